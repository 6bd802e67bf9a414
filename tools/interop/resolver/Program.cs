// prch interop peer for @prch/resolver-prcr: an MC-PRCR resolver service and client written
// against Mono's System.ServiceModel from the MC-PRCR contract (§6.1 WSDL, §6.2 schema) on
// NetTcpBinding with security None. Driven by packages/resolver-prcr/test/interop.test.ts; see
// README.md next to this file.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Serialization;
using System.ServiceModel;
using System.ServiceModel.Channels;
using System.ServiceModel.Description;
using System.Threading;

namespace Prch.Interop.Resolver
{
    static class Ns
    {
        public const string Peer = "http://schemas.microsoft.com/net/2006/05/peer";
        public const string Resolver = "http://schemas.microsoft.com/net/2006/05/peer/resolver";
        public const string PeerResolvers = "http://schemas.datacontract.org/2004/07/System.ServiceModel.PeerResolvers";
    }

    // ---- System.Net.IPAddress as it travels (MC-PRCR §6.6). Mono's own IPAddress serialises
    // different fields (_addressOrScopeId, _hashCode, _numbers, _toString) and cannot read the
    // .NET Framework ones (m_Address, m_Family, m_HashCode, m_Numbers, m_ScopeId) that Windows
    // sends, so this tool carries its own type with both field sets, every one optional. It reads
    // either shape and writes the one chosen on the command line ("net", the default, or "mono").
    // Members sort ordinally, so Mono's come first and each set keeps its own order.

    [DataContract(Name = "IPAddress", Namespace = "http://schemas.datacontract.org/2004/07/System.Net")]
    public class WireIPAddress
    {
        [DataMember(Name = "_addressOrScopeId", EmitDefaultValue = false)] public uint? AddressOrScopeId;
        [DataMember(Name = "_hashCode", EmitDefaultValue = false)] public int? MonoHashCode;
        [DataMember(Name = "_numbers", EmitDefaultValue = false)] public ushort[] MonoNumbers;
        [DataMember(Name = "_toString", EmitDefaultValue = false)] public string MonoText;
        [DataMember(Name = "m_Address", EmitDefaultValue = false)] public long? Address;
        [DataMember(Name = "m_Family", EmitDefaultValue = false)] public AddressFamily? Family;
        [DataMember(Name = "m_HashCode", EmitDefaultValue = false)] public int? HashCode;
        [DataMember(Name = "m_Numbers", EmitDefaultValue = false)] public ushort[] Numbers;
        [DataMember(Name = "m_ScopeId", EmitDefaultValue = false)] public long? ScopeId;

        public static bool MonoShape;

        static ushort[] Groups(byte[] b)
        {
            var g = new ushort[8];
            for (int i = 0; i < 8; i++) g[i] = (ushort) ((b[i * 2] << 8) | b[i * 2 + 1]);
            return g;
        }

        static uint LittleEndian(byte[] b)
        {
            return (uint) (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24));
        }

        public static WireIPAddress From(IPAddress a)
        {
            var b = a.GetAddressBytes();
            bool v4 = a.AddressFamily == AddressFamily.InterNetwork;
            if (MonoShape) {
                return new WireIPAddress {
                    AddressOrScopeId = v4 ? LittleEndian(b) : (uint) a.ScopeId,
                    MonoHashCode = 0,
                    MonoNumbers = v4 ? null : Groups(b),
                };
            }
            return new WireIPAddress {
                Address = v4 ? (long) LittleEndian(b) : 0,
                Family = a.AddressFamily,
                HashCode = 0,
                Numbers = v4 ? new ushort[8] : Groups(b),
                ScopeId = v4 ? 0 : a.ScopeId,
            };
        }

        public IPAddress ToIPAddress()
        {
            if (Family == AddressFamily.InterNetwork && Address.HasValue)
                return new IPAddress(BitConverter.GetBytes((uint) Address.Value));
            ushort[] n = Family.HasValue ? Numbers : MonoNumbers;
            if (n == null && AddressOrScopeId.HasValue)
                return new IPAddress(BitConverter.GetBytes(AddressOrScopeId.Value));
            if (n == null || n.Length != 8) return null;
            var bytes = new byte[16];
            for (int i = 0; i < 8; i++) { bytes[i * 2] = (byte) (n[i] >> 8); bytes[i * 2 + 1] = (byte) n[i]; }
            long scope = Family.HasValue ? (ScopeId ?? 0) : (AddressOrScopeId ?? 0);
            return new IPAddress(bytes, scope);
        }

        public override string ToString()
        {
            var a = ToIPAddress();
            return a == null ? "invalid" : a.ToString();
        }
    }

    // ---- DataContracts of MC-PRCR §6.2 (members in alphabetical order, as the schema lists them).

    [DataContract(Name = "PeerNodeAddress", Namespace = Ns.Peer)]
    public class NodeAddress
    {
        [DataMember(Name = "EndpointAddress", Order = 0)] public EndpointAddress10 Endpoint;
        [DataMember(Name = "IPAddresses", Order = 1)] public WireIPAddress[] IPAddresses;

        public override string ToString()
        {
            var uri = Endpoint == null ? "-" : Endpoint.ToEndpointAddress().Uri.ToString();
            var ips = IPAddresses == null ? "-" : string.Join(",", IPAddresses.Select(a => a == null ? "null" : a.ToString()));
            return uri + " " + ips;
        }
    }

    [DataContract(Name = "Register", Namespace = Ns.Peer)]
    public class RegisterBody
    {
        [DataMember(Order = 0)] public Guid ClientId;
        [DataMember(Order = 1)] public string MeshId;
        [DataMember(Order = 2)] public NodeAddress NodeAddress;
    }

    [DataContract(Name = "RegisterResponse", Namespace = Ns.Peer)]
    public class RegisterResponseBody
    {
        [DataMember(Order = 0)] public Guid RegistrationId;
        [DataMember(Order = 1)] public TimeSpan RegistrationLifetime;
    }

    [DataContract(Name = "UpdateInfo", Namespace = Ns.Peer)]
    public class UpdateBody
    {
        [DataMember(Order = 0)] public Guid ClientId;
        [DataMember(Order = 1)] public string MeshId;
        [DataMember(Order = 2)] public NodeAddress NodeAddress;
        [DataMember(Order = 3)] public Guid RegistrationId;
    }

    [DataContract(Name = "ResolveInfo", Namespace = Ns.Peer)]
    public class ResolveBody
    {
        [DataMember(Order = 0)] public Guid ClientId;
        [DataMember(Order = 1)] public int MaxAddresses;
        [DataMember(Order = 2)] public string MeshId;
    }

    [DataContract(Name = "ResolveResponseInfo", Namespace = Ns.Peer)]
    public class ResolveResponseBody
    {
        [DataMember(Order = 0)] public NodeAddress[] Addresses;
    }

    [DataContract(Name = "UnregisterInfo", Namespace = Ns.Peer)]
    public class UnregisterBody
    {
        [DataMember(Order = 0)] public string MeshId;
        [DataMember(Order = 1)] public Guid RegistrationId;
    }

    [DataContract(Name = "RefreshInfo", Namespace = Ns.Peer)]
    public class RefreshBody
    {
        [DataMember(Order = 0)] public string MeshId;
        [DataMember(Order = 1)] public Guid RegistrationId;
    }

    [DataContract(Name = "RefreshResult", Namespace = Ns.PeerResolvers)]
    public enum RefreshResult
    {
        [EnumMember] Success = 0,
        [EnumMember] RegistrationNotFound = 1,
    }

    [DataContract(Name = "RefreshResponseInfo", Namespace = Ns.Peer)]
    public class RefreshResponseBody
    {
        [DataMember(Order = 0)] public TimeSpan RegistrationLifetime;
        [DataMember(Order = 1)] public RefreshResult Result;
    }

    [DataContract(Name = "ServiceSettingsResponseInfo", Namespace = Ns.Peer)]
    public class ServiceSettingsBody
    {
        [DataMember(Order = 0)] public bool ControlMeshShape;
    }

    // ---- Message contracts: unwrapped bodies whose one element lives in ns (WINDOWS-NOTES §1.7).

    [MessageContract(IsWrapped = false)]
    public class RegisterMessage
    {
        [MessageBodyMember(Name = "Register", Namespace = Ns.Peer)] public RegisterBody Body;
    }

    [MessageContract(IsWrapped = false)]
    public class RegisterResponseMessage
    {
        [MessageBodyMember(Name = "RegisterResponse", Namespace = Ns.Peer)] public RegisterResponseBody Body;
    }

    [MessageContract(IsWrapped = false)]
    public class UpdateMessage
    {
        [MessageBodyMember(Name = "UpdateInfo", Namespace = Ns.Peer)] public UpdateBody Body;
    }

    [MessageContract(IsWrapped = false)]
    public class ResolveMessage
    {
        [MessageBodyMember(Name = "Resolve", Namespace = Ns.Peer)] public ResolveBody Body;
    }

    [MessageContract(IsWrapped = false)]
    public class ResolveResponseMessage
    {
        [MessageBodyMember(Name = "ResolveResponse", Namespace = Ns.Peer)] public ResolveResponseBody Body;
    }

    [MessageContract(IsWrapped = false)]
    public class UnregisterMessage
    {
        [MessageBodyMember(Name = "Unregister", Namespace = Ns.Peer)] public UnregisterBody Body;
    }

    [MessageContract(IsWrapped = false)]
    public class RefreshMessage
    {
        [MessageBodyMember(Name = "Refresh", Namespace = Ns.Peer)] public RefreshBody Body;
    }

    [MessageContract(IsWrapped = false)]
    public class RefreshResponseMessage
    {
        [MessageBodyMember(Name = "RefreshResponse", Namespace = Ns.Peer)] public RefreshResponseBody Body;
    }

    [MessageContract(IsWrapped = false)]
    public class ServiceSettingsRequestMessage
    {
    }

    [MessageContract(IsWrapped = false)]
    public class ServiceSettingsMessage
    {
        [MessageBodyMember(Name = "ServiceSettings", Namespace = Ns.Peer)] public ServiceSettingsBody Body;
    }

    // ---- The portType of MC-PRCR §6.1.

    [ServiceContract(Name = "IPeerResolverContract", Namespace = Ns.Resolver, SessionMode = SessionMode.Allowed)]
    public interface IPeerResolverContract
    {
        [OperationContract(Action = Ns.Resolver + "/Register", ReplyAction = Ns.Resolver + "/RegisterResponse")]
        RegisterResponseMessage Register(RegisterMessage request);

        [OperationContract(Action = Ns.Resolver + "/Update", ReplyAction = Ns.Resolver + "/UpdateResponse")]
        RegisterResponseMessage Update(UpdateMessage request);

        [OperationContract(Action = Ns.Resolver + "/Resolve", ReplyAction = Ns.Resolver + "/ResolveResponse")]
        ResolveResponseMessage Resolve(ResolveMessage request);

        // Two-way with no ReplyAction: the reply action is WCF's default,
        // ns/resolver/IPeerResolverContract/UnregisterResponse (MC-PRCR §6.1).
        [OperationContract(Action = Ns.Resolver + "/Unregister")]
        void Unregister(UnregisterMessage request);

        [OperationContract(Action = Ns.Resolver + "/Refresh", ReplyAction = Ns.Resolver + "/RefreshResponse")]
        RefreshResponseMessage Refresh(RefreshMessage request);

        [OperationContract(Name = "GetServiceInfo", Action = Ns.Resolver + "/GetServiceSettings", ReplyAction = Ns.Resolver + "/GetServiceSettingsResponse")]
        ServiceSettingsMessage GetServiceInfo(ServiceSettingsRequestMessage request);
    }

    // ---- A minimal resolver service: in memory, no expiry, duplicates by path refused.

    [ServiceBehavior(InstanceContextMode = InstanceContextMode.Single, ConcurrencyMode = ConcurrencyMode.Multiple)]
    public class ResolverService : IPeerResolverContract
    {
        class Entry { public Guid Client; public string Mesh; public NodeAddress Address; }

        readonly object gate = new object();
        readonly Dictionary<Guid, Entry> entries = new Dictionary<Guid, Entry>();
        static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

        public RegisterResponseMessage Register(RegisterMessage request)
        {
            var b = request.Body;
            Program.Say("REGISTER " + b.ClientId + " " + b.MeshId + " " + b.NodeAddress);
            if (string.IsNullOrEmpty(b.MeshId))
                throw new FaultException(new FaultReason("MeshId is missing"), FaultCode.CreateSenderFaultCode("EmptyMesh", "urn:prch:interop"));
            var id = Guid.NewGuid();
            lock (gate) entries[id] = new Entry { Client = b.ClientId, Mesh = b.MeshId, Address = b.NodeAddress };
            return new RegisterResponseMessage { Body = new RegisterResponseBody { RegistrationId = id, RegistrationLifetime = Lifetime } };
        }

        public RegisterResponseMessage Update(UpdateMessage request)
        {
            var b = request.Body;
            Program.Say("UPDATE " + b.RegistrationId + " " + b.MeshId + " " + b.NodeAddress);
            var id = b.RegistrationId;
            lock (gate) {
                if (!entries.ContainsKey(id)) id = Guid.NewGuid();
                entries[id] = new Entry { Client = b.ClientId, Mesh = b.MeshId, Address = b.NodeAddress };
            }
            return new RegisterResponseMessage { Body = new RegisterResponseBody { RegistrationId = id, RegistrationLifetime = Lifetime } };
        }

        public ResolveResponseMessage Resolve(ResolveMessage request)
        {
            var b = request.Body;
            Program.Say("RESOLVE " + b.ClientId + " " + b.MeshId + " " + b.MaxAddresses);
            NodeAddress[] found;
            lock (gate) {
                found = entries.Values
                    .Where(e => e.Mesh == b.MeshId && e.Client != b.ClientId)
                    .Take(Math.Max(0, b.MaxAddresses))
                    .Select(e => e.Address).ToArray();
            }
            return new ResolveResponseMessage { Body = new ResolveResponseBody { Addresses = found } };
        }

        public void Unregister(UnregisterMessage request)
        {
            var b = request.Body;
            bool removed;
            lock (gate) removed = entries.Remove(b.RegistrationId);
            Program.Say("UNREGISTER " + b.RegistrationId + " " + b.MeshId + " " + removed);
        }

        public RefreshResponseMessage Refresh(RefreshMessage request)
        {
            var b = request.Body;
            bool found;
            lock (gate) found = entries.ContainsKey(b.RegistrationId);
            Program.Say("REFRESH " + b.RegistrationId + " " + b.MeshId + " " + found);
            return new RefreshResponseMessage {
                Body = new RefreshResponseBody {
                    RegistrationLifetime = found ? Lifetime : TimeSpan.Zero,
                    Result = found ? RefreshResult.Success : RefreshResult.RegistrationNotFound,
                },
            };
        }

        public ServiceSettingsMessage GetServiceInfo(ServiceSettingsRequestMessage request)
        {
            Program.Say("GETSERVICEINFO");
            return new ServiceSettingsMessage { Body = new ServiceSettingsBody { ControlMeshShape = false } };
        }
    }

    public static class Program
    {
        static readonly object Gate = new object();

        public static void Say(string line)
        {
            lock (Gate) {
                Console.Out.WriteLine(line);
                Console.Out.Flush();
            }
        }

        static Binding MakeBinding()
        {
            return new NetTcpBinding(SecurityMode.None);
        }

        static NodeAddress Address(string uri, params string[] ips)
        {
            return new NodeAddress {
                Endpoint = EndpointAddress10.FromEndpointAddress(new EndpointAddress(uri)),
                IPAddresses = ips.Select(ip => WireIPAddress.From(IPAddress.Parse(ip))).ToArray(),
            };
        }

        static int Server(int port)
        {
            var address = new Uri("net.tcp://127.0.0.1:" + port + "/resolver");
            var host = new ServiceHost(new ResolverService());
            host.AddServiceEndpoint(typeof(IPeerResolverContract), MakeBinding(), address);
            Unthrottle(host);
            host.Open();
            Say("READY " + address);
            // Runs until the test closes our stdin.
            while (Console.In.ReadLine() != null) { }
            try { host.Close(TimeSpan.FromSeconds(2)); } catch (Exception) { host.Abort(); }
            return 0;
        }

        // Mono's defaults are .NET 3.0's: at most 10 sessions, after which the listener stops
        // accepting (a new client waits until its own timeout), and a thread pool that grows by
        // one thread every second or so and not at all while the CPU is busy, with every session
        // holding a thread for its receive loop. Under CI's load that stalled a request for 10 s
        // and more. Windows' .NET 4 allows 100 sessions per processor; the harness is no test of
        // Mono's throttle, so it gets room.
        static void Unthrottle(ServiceHost host)
        {
            ThreadPool.SetMinThreads(64, 64);
            var throttle = host.Description.Behaviors.Find<ServiceThrottlingBehavior>();
            if (throttle == null) {
                throttle = new ServiceThrottlingBehavior();
                host.Description.Behaviors.Add(throttle);
            }
            throttle.MaxConcurrentSessions = 1000;
            throttle.MaxConcurrentCalls = 1000;
            throttle.MaxConcurrentInstances = 1000;
        }

        static void Run(string step, Action call)
        {
            try {
                call();
            } catch (FaultException e) {
                Say(step + "-FAULT " + e.Code.Name + " " + (e.Code.SubCode == null ? "-" : e.Code.SubCode.Name) + " " + e.Message.Replace('\n', ' '));
            }
        }

        // The whole operation sequence, one line of output per result.
        static int Client(string url, string mesh)
        {
            var factory = new ChannelFactory<IPeerResolverContract>(MakeBinding(), new EndpointAddress(url));
            var proxy = factory.CreateChannel();
            var me = Guid.NewGuid();
            var other = Guid.NewGuid();

            var settings = proxy.GetServiceInfo(new ServiceSettingsRequestMessage());
            Say("SETTINGS " + settings.Body.ControlMeshShape);

            var addr = Address("net.tcp://192.0.2.7:31337/PeerChannelEndpoints/" + Guid.NewGuid(), "192.0.2.7", "fe80::1%4");
            var reg = proxy.Register(new RegisterMessage { Body = new RegisterBody { ClientId = me, MeshId = mesh, NodeAddress = addr } });
            Say("REGISTERED " + reg.Body.RegistrationId + " " + reg.Body.RegistrationLifetime.Ticks);
            var id = reg.Body.RegistrationId;

            var found = proxy.Resolve(new ResolveMessage { Body = new ResolveBody { ClientId = other, MaxAddresses = 3, MeshId = mesh } });
            Say("RESOLVED " + (found.Body.Addresses == null ? 0 : found.Body.Addresses.Length) + " " + string.Join(" | ", (found.Body.Addresses ?? new NodeAddress[0]).Select(a => a.ToString())));
            var own = proxy.Resolve(new ResolveMessage { Body = new ResolveBody { ClientId = me, MaxAddresses = 3, MeshId = mesh } });
            Say("RESOLVED-OWN " + (own.Body.Addresses == null ? 0 : own.Body.Addresses.Length));

            var refresh = proxy.Refresh(new RefreshMessage { Body = new RefreshBody { MeshId = mesh, RegistrationId = id } });
            Say("REFRESHED " + refresh.Body.Result + " " + refresh.Body.RegistrationLifetime.Ticks);

            var moved = Address(addr.Endpoint.ToEndpointAddress().Uri.ToString(), "198.51.100.9");
            var up = proxy.Update(new UpdateMessage { Body = new UpdateBody { ClientId = me, MeshId = mesh, NodeAddress = moved, RegistrationId = id } });
            Say("UPDATED " + up.Body.RegistrationId + " " + up.Body.RegistrationLifetime.Ticks);

            var after = proxy.Resolve(new ResolveMessage { Body = new ResolveBody { ClientId = other, MaxAddresses = 3, MeshId = mesh } });
            Say("RESOLVED " + (after.Body.Addresses == null ? 0 : after.Body.Addresses.Length) + " " + string.Join(" | ", (after.Body.Addresses ?? new NodeAddress[0]).Select(a => a.ToString())));

            // A second node at the same path: the duplicate must be refused (WINDOWS-NOTES §1.7).
            Run("DUPLICATE", () => {
                var dup = proxy.Register(new RegisterMessage { Body = new RegisterBody { ClientId = other, MeshId = mesh, NodeAddress = moved } });
                Say("DUPLICATE-ACCEPTED " + dup.Body.RegistrationId);
            });

            proxy.Unregister(new UnregisterMessage { Body = new UnregisterBody { MeshId = mesh, RegistrationId = id } });
            Say("UNREGISTERED");

            var gone = proxy.Refresh(new RefreshMessage { Body = new RefreshBody { MeshId = mesh, RegistrationId = id } });
            Say("REFRESHED " + gone.Body.Result + " " + gone.Body.RegistrationLifetime.Ticks);

            Run("INVALID", () => {
                proxy.Register(new RegisterMessage { Body = new RegisterBody { ClientId = me, MeshId = "", NodeAddress = addr } });
                Say("INVALID-ACCEPTED");
            });

            ((IClientChannel) proxy).Close();
            factory.Close();
            Say("DONE");
            return 0;
        }

        public static int Main(string[] args)
        {
            try {
                WireIPAddress.MonoShape = args.Length > 0 && args[args.Length - 1] == "mono";
                int n = args.Length > 0 && (args[args.Length - 1] == "mono" || args[args.Length - 1] == "net") ? args.Length - 1 : args.Length;
                if (n == 2 && args[0] == "server")
                    return Server(int.Parse(args[1]));
                if (n == 3 && args[0] == "client")
                    return Client(args[1], args[2]);
                Console.Error.WriteLine("usage: ResolverInterop.exe server PORT [net|mono] | client URL MESH [net|mono]");
                return 64;
            } catch (Exception e) {
                Say("ERROR " + e.GetType().Name + ": " + e.Message.Replace('\n', ' '));
                Console.Error.WriteLine(e);
                return 1;
            }
        }
    }
}
