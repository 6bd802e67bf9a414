import { createInterface } from "node:readline";
import { ContactManager } from "@prch/collab";
import { parseCollabArgs, USAGE } from "./args.js";
import { CollabCli, startCollab } from "./cli.js";

async function main(): Promise<number> {
  let args: ReturnType<typeof parseCollabArgs>;
  try {
    args = parseCollabArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const contacts = await ContactManager.open(args.contacts ? { path: args.contacts } : {});
  const collab = await startCollab(args, contacts);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const cli = new CollabCli(collab, args, contacts, out);
  out(`ready ${collab.person.displayName} ${collab.endpoints.join(" ")}`);
  const rl = createInterface({ input: process.stdin, terminal: false });
  // Commands run one at a time, in order.
  for await (const line of rl) {
    if (!(await cli.command(line))) break;
  }
  rl.close();
  await cli.close();
  out("bye");
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`prch-collab: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
