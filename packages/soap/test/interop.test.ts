// Interop with Mono's DataContractSerializer and WCF message encoders
// (tools/interop/soap). Skipped when Mono is missing unless
// PRCH_REQUIRE_INTEROP=1, in which case a missing Mono fails the run.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import {
  BinaryMessageEncoder,
  createConnectMessage,
  createDisconnectMessage,
  createLinkUtilityMessage,
  createRefreshResponseMessage,
  createRefuseMessage,
  createRegisterMessage,
  createResolveResponseMessage,
  createServiceSettingsResponseMessage,
  createWelcomeMessage,
  formatIPAddress,
  type Message,
  type MessageEncoder,
  type PeerNodeAddress,
  parseConnect,
  parseDisconnect,
  parseIPAddress,
  parseLinkUtility,
  parseRefreshResponse,
  parseRefuse,
  parseRegister,
  parseResolveResponse,
  parseServiceSettingsResponse,
  parseWelcome,
  type Referral,
  TextMessageEncoder,
  WSA,
} from "../src/index.js";
import { canonical } from "./helpers.js";

const here = dirname(fileURLToPath(import.meta.url));
const TOOL = resolve(here, "../../../tools/interop/soap");
const EXE = join(TOOL, "bin", "SoapInterop.exe");

function monoAvailable(): boolean {
  const ok = (cmd: string) =>
    spawnSync(cmd, ["--version"], { stdio: "ignore", timeout: 20_000 }).status === 0;
  return ok("mono") && ok("mcs");
}

function build(): void {
  const src = join(TOOL, "Program.cs");
  if (existsSync(EXE) && statSync(EXE).mtimeMs >= statSync(src).mtimeMs) return;
  mkdirSync(dirname(EXE), { recursive: true });
  const r = spawnSync(
    "mcs",
    ["-nologo", "-r:System.ServiceModel", "-r:System.Runtime.Serialization", `-out:${EXE}`, src],
    { encoding: "utf8", timeout: 120_000 },
  );
  if (r.status !== 0) throw new Error(`mcs failed: ${r.stdout}${r.stderr}`);
}

function mono(mode: string, input = ""): string[] {
  const r = spawnSync("mono", [EXE, mode], {
    input,
    encoding: "utf8",
    timeout: 60_000,
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`mono ${mode} failed: ${r.stderr}`);
  return r.stdout
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
}

const PNA: PeerNodeAddress = {
  endpointAddress: {
    uri: "net.tcp://160.20.30.40:63758/PeerChannelEndpoints/ba703e02-6a7b-457c-bf81-f0d6e56adb97",
  },
  ipAddresses: ["2001:7d:28:3:f6:159:1c8:237", "157.59.137.223", "fe80::698f:7129:bc8a:ad8c%5"].map(
    parseIPAddress,
  ),
};
const REFS: Referral[] = [
  { nodeId: 42n, address: PNA },
  { nodeId: 18446744073709551615n, address: null },
];

const pna = (a: PeerNodeAddress | null) =>
  a === null
    ? "nil"
    : `${a.endpointAddress?.uri ?? "nil"}|${a.ipAddresses === null ? "nil" : a.ipAddresses.map(formatIPAddress).join(",")}`;
const refs = (r: readonly Referral[] | null) =>
  r === null ? "nil" : `[${r.map((x) => `${x.nodeId}@${pna(x.address)}`).join(",")}]`;

interface Case {
  name: string;
  build: () => Message;
  summary: (m: Message) => string;
}

/** Keep in step with Cases() in tools/interop/soap/Program.cs. */
const CASES: Case[] = [
  {
    name: "connect",
    build: () =>
      createConnectMessage(
        { nodeId: 14800704070183415334n, address: PNA },
        { to: "net.p2p://securechatmesh/" },
      ),
    summary: (m) => {
      const v = parseConnect(m);
      return `NodeId=${v.nodeId};Address=${pna(v.address)}`;
    },
  },
  {
    name: "welcome",
    build: () =>
      createWelcomeMessage(
        { nodeId: 16299239282823246037n, referrals: REFS },
        { to: WSA.anonymous10 },
      ),
    summary: (m) => {
      const v = parseWelcome(m);
      return `NodeId=${v.nodeId};Referrals=${refs(v.referrals)}`;
    },
  },
  {
    name: "refuse",
    build: () =>
      createRefuseMessage(
        { reason: "NodeBusy", referrals: [] },
        { to: "net.p2p://securechatmesh/" },
      ),
    summary: (m) => {
      const v = parseRefuse(m);
      return `Reason=${v.reason};Referrals=${refs(v.referrals)}`;
    },
  },
  {
    name: "disconnect",
    build: () =>
      createDisconnectMessage(
        { reason: "LeavingMesh", referrals: null },
        { to: "net.p2p://securechatmesh/" },
      ),
    summary: (m) => {
      const v = parseDisconnect(m);
      return `Reason=${v.reason};Referrals=${refs(v.referrals)}`;
    },
  },
  {
    name: "linkutility",
    build: () =>
      createLinkUtilityMessage({ total: 32, useful: 31 }, { to: "net.p2p://securechatmesh/" }),
    summary: (m) => {
      const v = parseLinkUtility(m);
      return `Total=${v.total};Useful=${v.useful}`;
    },
  },
  {
    name: "register",
    build: () =>
      createRegisterMessage(
        {
          clientId: "0b2c3d4e-5f60-4172-8394-a5b6c7d8e9f0",
          meshId: "ExampleMesh",
          nodeAddress: PNA,
        },
        { to: "net.tcp://resolver/" },
      ),
    summary: (m) => {
      const v = parseRegister(m);
      return `ClientId=${v.clientId};MeshId=${v.meshId ?? "nil"};NodeAddress=${pna(v.nodeAddress)}`;
    },
  },
  {
    name: "resolveresponse",
    build: () => createResolveResponseMessage({ addresses: [PNA] }, { to: WSA.anonymous10 }),
    summary: (m) => {
      const v = parseResolveResponse(m);
      return `Addresses=${v.addresses === null ? "nil" : `[${v.addresses.map(pna).join(",")}]`}`;
    },
  },
  {
    name: "refreshresponse",
    build: () =>
      createRefreshResponseMessage(
        { registrationLifetime: 6_000_000_000n, result: "Success" },
        { to: WSA.anonymous10 },
      ),
    summary: (m) => {
      const v = parseRefreshResponse(m);
      return `RegistrationLifetime=${v.registrationLifetime};Result=${v.result}`;
    },
  },
  {
    name: "servicesettings",
    build: () =>
      createServiceSettingsResponseMessage({ controlMeshShape: true }, { to: WSA.anonymous10 }),
    summary: (m) => `ControlMeshShape=${parseServiceSettingsResponse(m).controlMeshShape}`,
  },
];

function header(m: Message): string {
  return `Action=${m.action};To=${m.to};`;
}

const encoders: Record<string, () => MessageEncoder> = {
  text: () => new TextMessageEncoder(),
  binary: () => new BinaryMessageEncoder(),
};

/**
 * .NET's binary writer folds an EndElement into the text record before it
 * (Chars8Text 0x98 → Chars8TextWithEndElement 0x99) only while that record
 * is still in its buffer; after an internal flush it writes a separate 01.
 * Both forms are the same document. Where ours has the folded form and
 * Mono's the split one, rewrite Mono's to the folded form; everything else
 * must match byte for byte.
 */
function mergeEndElements(theirsHex: string, oursHex: string): string {
  const a = Buffer.from(theirsHex, "hex");
  const b = Buffer.from(oursHex, "hex");
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length) {
    if (j < b.length && a[i] === 0x98 && b[j] === 0x99 && a[i + 1] === b[j + 1]) {
      const n = a[i + 1]!;
      if (
        a[i + 2 + n] === 0x01 &&
        a.subarray(i + 2, i + 2 + n).equals(b.subarray(j + 2, j + 2 + n))
      ) {
        out.push(0x99, ...a.subarray(i + 1, i + 2 + n));
        i += n + 3;
        j += n + 2;
        continue;
      }
    }
    out.push(a[i]!);
    i++;
    j++;
  }
  return Buffer.from(out).toString("hex");
}

const available = monoAvailable();
const required = process.env.PRCH_REQUIRE_INTEROP === "1";

describe.skipIf(!available && !required)(
  "interop with Mono's DataContractSerializer and encoders",
  () => {
    // Each expected summary: our own view of the values we encode.
    const expected = new Map<string, string>();
    for (const c of CASES) {
      const m = new TextMessageEncoder().decode(new TextMessageEncoder().encode(c.build()));
      expected.set(c.name, header(m) + c.summary(m));
    }

    beforeAll(() => {
      if (!available) throw new Error("PRCH_REQUIRE_INTEROP=1 but mono/mcs are not installed");
      build();
    }, 180_000);

    it("Mono decodes our text and binary messages into the same values", () => {
      const lines: string[] = [];
      for (const c of CASES) {
        for (const kind of ["text", "binary"]) {
          lines.push(
            `${c.name} ${kind} ${Buffer.from(encoders[kind]!().encode(c.build())).toString("hex")}`,
          );
        }
      }
      const out = mono("decode", `${lines.join("\n")}\n`);
      expect(out.filter((l) => l.startsWith("ERROR"))).toEqual([]);
      expect(out).toHaveLength(lines.length);
      for (const l of out) {
        const [name, kind, ...rest] = l.split(" ");
        expect({ name, kind, summary: rest.join(" ") }).toEqual({
          name,
          kind,
          summary: expected.get(name!),
        });
      }
    });

    it("we decode Mono's text and binary messages into the same values", () => {
      const out = mono("encode");
      expect(out).toHaveLength(CASES.length * 2);
      for (const l of out) {
        const [name, kind, hex] = l.split(" ");
        const c = CASES.find((x) => x.name === name)!;
        const m = encoders[kind!]!().decode(new Uint8Array(Buffer.from(hex!, "hex")));
        expect({ name, kind, summary: header(m) + c.summary(m) }).toEqual({
          name,
          kind,
          summary: expected.get(name!),
        });
      }
    });

    it("our binary (MC-NBFS, no session) is byte-identical to Mono's BinaryMessageEncoder output", () => {
      for (const l of mono("encode")) {
        const [name, kind, hex] = l.split(" ");
        if (kind !== "binary") continue;
        const c = CASES.find((x) => x.name === name)!;
        const ours = Buffer.from(new BinaryMessageEncoder().encode(c.build())).toString("hex");
        // Two known Mono deviations, where Mono's own System.ServiceModel writes plain strings and
        // .NET Framework writes static dictionary entries (what we follow):
        // - EndpointAddress10's <a:Address>: Mono PrefixElementA 5E 07 "Address"; .NET
        //   XD.AddressingDictionary.Address, PrefixDictionaryElementA 44 2A;
        // - an anonymous wsa:To: Mono Chars8Text; .NET AnonymousToHeader writes the
        //   dictionary string 0x14 (DictionaryTextWithEndElement AB 14).
        const anonymous = Buffer.from(`\x2e${WSA.anonymous10}`, "latin1").toString("hex");
        const normalised = hex!
          .replaceAll("5e0741646472657373", "442a")
          .replaceAll(`99${anonymous}`, "ab14");
        expect({ name, hex: ours }).toEqual({ name, hex: mergeEndElements(normalised, ours) });
      }
    });

    it("our text has the same infoset as Mono's TextMessageEncoder output", () => {
      for (const l of mono("encode")) {
        const [name, kind, hex] = l.split(" ");
        if (kind !== "text") continue;
        const c = CASES.find((x) => x.name === name)!;
        const theirs = Buffer.from(hex!, "hex")
          .toString("utf8")
          .replace(/^\uFEFF/, "");
        expect(canonical(new TextMessageEncoder().encodeToString(c.build()))).toEqual(
          canonical(theirs),
        );
      }
    });
  },
);
