import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MemoryRegistrationStore,
  ResolverClient,
  ResolverFaultError,
  ResolverService,
} from "../src/index.js";
import { buildTool, freePort, MonoProcess, monoAvailable } from "./support/mono.js";

const available = monoAvailable();
if (!available && process.env.PRCH_REQUIRE_INTEROP === "1") {
  throw new Error("PRCH_REQUIRE_INTEROP=1 but mono/mcs are not installed");
}

const GUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

describe.skipIf(!available)("interop with Mono's WCF (NetTcpBinding, security None)", () => {
  beforeAll(() => buildTool(), 120_000);

  describe.each(["net", "mono"])(
    "the Mono client against our service (%s IPAddress shape)",
    (shape) => {
      let service: ResolverService;
      beforeAll(async () => {
        service = new ResolverService({
          store: new MemoryRegistrationStore(),
          host: "127.0.0.1",
          port: 0,
        });
        await service.listen();
      });
      afterAll(async () => {
        await service.close();
      });

      it("runs the whole operation sequence", async () => {
        const mono = MonoProcess.start(["client", service.address, "interop.mesh", shape]);
        try {
          expect(await mono.line("SETTINGS")).toBe("SETTINGS False");
          const reg = await mono.line("REGISTERED");
          expect(reg).toMatch(new RegExp(`^REGISTERED ${GUID} 6000000000$`));
          const id = reg.split(" ")[1];
          // Another ClientId sees the registration, with the addresses Mono sent (IPv6 scope kept).
          const resolved = await mono.line("RESOLVED ");
          expect(resolved).toMatch(
            new RegExp(
              `^RESOLVED 1 net\\.tcp://192\\.0\\.2\\.7:31337/PeerChannelEndpoints/${GUID} 192\\.0\\.2\\.7,fe80::1%4$`,
            ),
          );
          // The caller never gets its own registration back.
          expect(await mono.line("RESOLVED-OWN")).toBe("RESOLVED-OWN 0");
          expect(await mono.line("REFRESHED")).toBe("REFRESHED Success 6000000000");
          expect(await mono.line("UPDATED")).toBe(`UPDATED ${id} 6000000000`);
          expect(await mono.line("RESOLVED ")).toMatch(/ 198\.51\.100\.9$/);
          // Same ServicePath from another client: a fault, as Windows' service.
          expect(await mono.line("DUPLICATE")).toMatch(
            /^DUPLICATE-FAULT Sender DuplicateRegistration /,
          );
          expect(await mono.line("UNREGISTERED")).toBe("UNREGISTERED");
          expect(await mono.line("REFRESHED")).toBe("REFRESHED RegistrationNotFound 0");
          expect(await mono.line("INVALID")).toMatch(/^INVALID-FAULT Sender InvalidRequest /);
          await mono.line("DONE");
          expect(await mono.exited).toBe(0);
        } finally {
          mono.child.kill("SIGKILL");
        }
        const c = service.counters();
        expect(c.operations.requests).toEqual({
          Register: 3,
          Update: 1,
          Resolve: 3,
          Unregister: 1,
          Refresh: 2,
          GetServiceInfo: 1,
        });
        expect(c.wire.faults).toBe(2);
        expect(await service.stats()).toEqual({ meshes: 0, registrations: 0 });
      });
    },
  );

  describe.each(["net", "mono"])(
    "our client against the Mono service (%s IPAddress shape)",
    (shape) => {
      let mono: MonoProcess;
      let address = "";
      beforeAll(async () => {
        const port = await freePort();
        mono = MonoProcess.start(["server", String(port), shape]);
        address = (await mono.line("READY")).slice("READY ".length);
      }, 60_000);
      afterAll(async () => {
        await mono.stop();
      });

      it("runs the whole operation sequence", async () => {
        const a = new ResolverClient({ address, responseTimeoutMs: 10_000 });
        const b = new ResolverClient({
          address,
          referralPolicy: "Share",
          responseTimeoutMs: 10_000,
        });
        const pna = {
          EndpointAddress:
            "net.tcp://192.0.2.8:31337/PeerChannelEndpoints/0f8fad5b-d9cb-469f-a165-70867728950e",
          IPAddresses: ["192.0.2.8", "2001:db8::8", "fe80::8%3"],
        };
        try {
          await a.open();
          expect(await mono.line("GETSERVICEINFO")).toBe("GETSERVICEINFO");
          expect(a.canShareReferrals).toBe(true);

          const r = await a.register("interop.mesh", pna);
          expect(r.RegistrationLifetime).toBe(6_000_000_000n);
          // Mono decoded our .NET Framework-shaped IPAddresses (m_Address, m_Numbers, m_ScopeId).
          // In the "mono" runs it answers with Mono's own shape (_addressOrScopeId, _numbers…).
          expect(await mono.line("REGISTER")).toBe(
            `REGISTER ${a.clientId} interop.mesh ${pna.EndpointAddress} 192.0.2.8,2001:db8::8,fe80::8%3`,
          );

          expect(await b.resolve("interop.mesh", 5)).toEqual([pna]);
          expect(await a.resolve("interop.mesh", 5)).toEqual([]);

          expect(await a.refresh()).toEqual({
            Result: "Success",
            RegistrationLifetime: 6_000_000_000n,
          });
          expect(await mono.line("REFRESH")).toBe(`REFRESH ${r.RegistrationId} interop.mesh True`);

          const moved = { ...pna, IPAddresses: ["198.51.100.8"] };
          const up = await a.update(moved);
          expect(up.RegistrationId).toBe(r.RegistrationId);
          expect(await mono.line("UPDATE")).toBe(
            `UPDATE ${r.RegistrationId} interop.mesh ${pna.EndpointAddress} 198.51.100.8`,
          );
          expect(await b.resolve("interop.mesh", 5)).toEqual([moved]);

          await a.close();
          expect(await mono.line("UNREGISTER")).toBe(
            `UNREGISTER ${r.RegistrationId} interop.mesh True`,
          );
          expect(await b.resolve("interop.mesh", 5)).toEqual([]);
        } finally {
          await a.close();
          await b.close();
        }
      });

      it("turns a WCF fault from the Mono service into a ResolverFaultError", async () => {
        const c = new ResolverClient({
          address,
          referralPolicy: "Share",
          responseTimeoutMs: 10_000,
        });
        try {
          const err = await c
            .register("", {
              EndpointAddress: "net.tcp://192.0.2.9:1/PeerChannelEndpoints/x",
              IPAddresses: ["192.0.2.9"],
            })
            .then(
              () => undefined,
              (e: unknown) => e as ResolverFaultError,
            );
          // Mono replaces the FaultException's code with InternalServiceFault, sends the fault
          // without RelatesTo and closes the session; the client still fails the right request.
          expect(err, `Mono's output:\n${mono.lines.join("\n")}\n${mono.stderr}`).toBeInstanceOf(
            ResolverFaultError,
          );
          expect(err?.soapCode).toBe("InternalServiceFault");
          expect(err?.remoteCode).toBeUndefined();
          expect(err?.reason).toContain("internal error");
          // The next request opens a new session and works.
          expect(await c.resolve("interop.mesh", 1)).toEqual([]);
        } finally {
          await c.close();
        }
      });
    },
  );
});
