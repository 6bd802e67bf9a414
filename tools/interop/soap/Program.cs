// Interop peer for @prch/soap: Mono's DataContractSerializer and WCF message
// encoders on the Peer Channel (MC-PRCH) and custom resolver (MC-PRCR) shapes.
//
//   mono SoapInterop.exe encode          prints "<case> <text|binary> <hex>" for every case
//   mono SoapInterop.exe decode          reads "<case> <text|binary> <hex>" lines from stdin and
//                                        prints "<case> <kind> <summary>" (or "ERROR …")
//
// The summaries are the same text the TypeScript test computes from its own values.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.Serialization;
using System.ServiceModel;
using System.ServiceModel.Channels;
using System.Text;
using System.Xml;

static class Ns {
  public const string Peer = "http://schemas.microsoft.com/net/2006/05/peer";
  public const string Net = "http://schemas.datacontract.org/2004/07/System.Net";
  public const string Channels = "http://schemas.datacontract.org/2004/07/System.ServiceModel.Channels";
  public const string Resolvers = "http://schemas.datacontract.org/2004/07/System.ServiceModel.PeerResolvers";
}

// System.Net.IPAddress as .NET Framework serializes it (Mono's own IPAddress uses other field names).
[DataContract(Name = "IPAddress", Namespace = Ns.Net)]
class NetIP {
  [DataMember(IsRequired = true)] public long m_Address;
  [DataMember(IsRequired = true)] public System.Net.Sockets.AddressFamily m_Family;
  [DataMember(IsRequired = true)] public int m_HashCode;
  [DataMember(IsRequired = true)] public ushort[] m_Numbers;
  [DataMember(IsRequired = true)] public long m_ScopeId;

  public static NetIP From(string text) {
    var ip = System.Net.IPAddress.Parse(text);
    var r = new NetIP { m_Family = ip.AddressFamily, m_Numbers = new ushort[8] };
    var b = ip.GetAddressBytes();
    if (b.Length == 4) r.m_Address = (long)(uint)(b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24));
    else { for (int i = 0; i < 8; i++) r.m_Numbers[i] = (ushort)((b[2 * i] << 8) | b[2 * i + 1]); r.m_ScopeId = ip.ScopeId; }
    return r;
  }

  public override string ToString() {
    if (m_Family == System.Net.Sockets.AddressFamily.InterNetwork) {
      var a = (uint)m_Address;
      return string.Format("{0}.{1}.{2}.{3}", a & 255, (a >> 8) & 255, (a >> 16) & 255, a >> 24);
    }
    var bytes = new byte[16];
    for (int i = 0; i < 8; i++) { bytes[2 * i] = (byte)(m_Numbers[i] >> 8); bytes[2 * i + 1] = (byte)m_Numbers[i]; }
    var s = new System.Net.IPAddress(bytes).ToString();
    var pct = s.IndexOf('%');
    if (pct >= 0) s = s.Substring(0, pct);
    return m_ScopeId != 0 ? s + "%" + m_ScopeId : s;
  }
}

[DataContract(Name = "PeerNodeAddress", Namespace = Ns.Peer)]
class Pna {
  [DataMember(Name = "EndpointAddress")] public EndpointAddress10 EndpointAddress;
  [DataMember(Name = "IPAddresses")] public List<NetIP> IPAddresses;
  public override string ToString() {
    return (EndpointAddress == null ? "nil" : EndpointAddress.ToEndpointAddress().Uri.AbsoluteUri) + "|" +
      (IPAddresses == null ? "nil" : string.Join(",", IPAddresses.Select(i => i.ToString())));
  }
}

[DataContract(Name = "Referral", Namespace = Ns.Peer)]
class Referral {
  [DataMember] public Pna Address;
  [DataMember] public ulong NodeId;
  public override string ToString() { return NodeId + "@" + (Address == null ? "nil" : Address.ToString()); }
}

[DataContract(Name = "RefuseReason", Namespace = Ns.Channels)]
enum RefuseReason { [EnumMember] DuplicateNeighbor = 4, [EnumMember] DuplicateNodeId = 5, [EnumMember] NodeBusy = 6 }

[DataContract(Name = "DisconnectReason", Namespace = Ns.Channels)]
enum DisconnectReason {
  [EnumMember] LeavingMesh = 2, [EnumMember] NotUsefulNeighbor = 3, [EnumMember] DuplicateNeighbor = 4,
  [EnumMember] DuplicateNodeId = 5, [EnumMember] NodeBusy = 6, [EnumMember] InternalFailure = 10
}

[DataContract(Name = "RefreshResult", Namespace = Ns.Resolvers)]
enum RefreshResult { [EnumMember] Success, [EnumMember] RegistrationNotFound }

[DataContract(Name = "ConnectInfo", Namespace = Ns.Peer)]
class ConnectInfo {
  [DataMember] public Pna Address;
  [DataMember] public ulong NodeId;
  public override string ToString() { return "NodeId=" + NodeId + ";Address=" + (Address == null ? "nil" : Address.ToString()); }
}

[DataContract(Name = "WelcomeInfo", Namespace = Ns.Peer)]
class WelcomeInfo {
  [DataMember] public ulong NodeId;
  [DataMember] public Referral[] Referrals;
  public override string ToString() { return "NodeId=" + NodeId + ";Referrals=" + Refs(Referrals); }
  public static string Refs(Referral[] r) { return r == null ? "nil" : "[" + string.Join(",", r.Select(x => x.ToString())) + "]"; }
}

[DataContract(Name = "RefuseInfo", Namespace = Ns.Peer)]
class RefuseInfo {
  [DataMember] public RefuseReason Reason;
  [DataMember] public Referral[] Referrals;
  public override string ToString() { return "Reason=" + Reason + ";Referrals=" + WelcomeInfo.Refs(Referrals); }
}

[DataContract(Name = "DisconnectInfo", Namespace = Ns.Peer)]
class DisconnectInfo {
  [DataMember] public DisconnectReason Reason;
  [DataMember] public Referral[] Referrals;
  public override string ToString() { return "Reason=" + Reason + ";Referrals=" + WelcomeInfo.Refs(Referrals); }
}

[DataContract(Name = "LinkUtilityInfo", Namespace = Ns.Peer)]
class LinkUtilityInfo {
  [DataMember] public uint Total;
  [DataMember] public uint Useful;
  public override string ToString() { return "Total=" + Total + ";Useful=" + Useful; }
}

[DataContract(Name = "Register", Namespace = Ns.Peer)]
class RegisterInfo {
  [DataMember] public Guid ClientId;
  [DataMember] public string MeshId;
  [DataMember] public Pna NodeAddress;
  public override string ToString() {
    return "ClientId=" + ClientId + ";MeshId=" + (MeshId ?? "nil") + ";NodeAddress=" + (NodeAddress == null ? "nil" : NodeAddress.ToString());
  }
}

[DataContract(Name = "ResolveResponseInfo", Namespace = Ns.Peer)]
class ResolveResponseInfo {
  [DataMember] public Pna[] Addresses;
  public override string ToString() {
    return "Addresses=" + (Addresses == null ? "nil" : "[" + string.Join(",", Addresses.Select(a => a.ToString())) + "]");
  }
}

[DataContract(Name = "RefreshResponseInfo", Namespace = Ns.Peer)]
class RefreshResponseInfo {
  [DataMember] public TimeSpan RegistrationLifetime;
  [DataMember] public RefreshResult Result;
  public override string ToString() { return "RegistrationLifetime=" + RegistrationLifetime.Ticks + ";Result=" + Result; }
}

[DataContract(Name = "ServiceSettingsResponseInfo", Namespace = Ns.Peer)]
class ServiceSettingsResponseInfo {
  [DataMember] public bool ControlMeshShape;
  public override string ToString() { return "ControlMeshShape=" + (ControlMeshShape ? "true" : "false"); }
}

class Case {
  public string Name, Action, To, Root;
  public Type Type;
  public object Value;
}

static class Program {
  static EndpointAddress10 Epr(string uri) { return EndpointAddress10.FromEndpointAddress(new EndpointAddress(uri)); }

  static Pna SamplePna() {
    return new Pna {
      EndpointAddress = Epr("net.tcp://160.20.30.40:63758/PeerChannelEndpoints/ba703e02-6a7b-457c-bf81-f0d6e56adb97"),
      IPAddresses = new List<NetIP> { NetIP.From("2001:7d:28:3:f6:159:1c8:237"), NetIP.From("157.59.137.223"), NetIP.From("fe80::698f:7129:bc8a:ad8c%5") }
    };
  }

  // Keep in step with packages/soap/test/interop.test.ts.
  static List<Case> Cases() {
    const string P = "http://schemas.microsoft.com/net/2006/05/peer/";
    const string R = "http://schemas.microsoft.com/net/2006/05/peer/resolver/";
    var refs = new[] { new Referral { NodeId = 42, Address = SamplePna() }, new Referral { NodeId = 18446744073709551615UL, Address = null } };
    return new List<Case> {
      new Case { Name = "connect", Action = P + "Connect", To = "net.p2p://securechatmesh/", Root = "Connect", Type = typeof(ConnectInfo),
        Value = new ConnectInfo { NodeId = 14800704070183415334UL, Address = SamplePna() } },
      new Case { Name = "welcome", Action = P + "Welcome", To = "http://www.w3.org/2005/08/addressing/anonymous", Root = "Welcome", Type = typeof(WelcomeInfo),
        Value = new WelcomeInfo { NodeId = 16299239282823246037UL, Referrals = refs } },
      new Case { Name = "refuse", Action = P + "Refuse", To = "net.p2p://securechatmesh/", Root = "Refuse", Type = typeof(RefuseInfo),
        Value = new RefuseInfo { Reason = RefuseReason.NodeBusy, Referrals = new Referral[0] } },
      new Case { Name = "disconnect", Action = P + "Disconnect", To = "net.p2p://securechatmesh/", Root = "Disconnect", Type = typeof(DisconnectInfo),
        Value = new DisconnectInfo { Reason = DisconnectReason.LeavingMesh, Referrals = null } },
      new Case { Name = "linkutility", Action = P + "LinkUtility", To = "net.p2p://securechatmesh/", Root = "LinkUtility", Type = typeof(LinkUtilityInfo),
        Value = new LinkUtilityInfo { Total = 32, Useful = 31 } },
      new Case { Name = "register", Action = R + "Register", To = "net.tcp://resolver/", Root = "Register", Type = typeof(RegisterInfo),
        Value = new RegisterInfo { ClientId = new Guid("0b2c3d4e-5f60-4172-8394-a5b6c7d8e9f0"), MeshId = "ExampleMesh", NodeAddress = SamplePna() } },
      new Case { Name = "resolveresponse", Action = R + "ResolveResponse", To = "http://www.w3.org/2005/08/addressing/anonymous", Root = "ResolveResponse", Type = typeof(ResolveResponseInfo),
        Value = new ResolveResponseInfo { Addresses = new[] { SamplePna() } } },
      new Case { Name = "refreshresponse", Action = R + "RefreshResponse", To = "http://www.w3.org/2005/08/addressing/anonymous", Root = "RefreshResponse", Type = typeof(RefreshResponseInfo),
        Value = new RefreshResponseInfo { RegistrationLifetime = TimeSpan.FromMinutes(10), Result = RefreshResult.Success } },
      new Case { Name = "servicesettings", Action = R + "GetServiceSettingsResponse", To = "http://www.w3.org/2005/08/addressing/anonymous", Root = "ServiceSettings", Type = typeof(ServiceSettingsResponseInfo),
        Value = new ServiceSettingsResponseInfo { ControlMeshShape = true } },
    };
  }

  static MessageEncoder Encoder(string kind) {
    MessageEncodingBindingElement be = kind == "text"
      ? (MessageEncodingBindingElement)new TextMessageEncodingBindingElement(MessageVersion.Soap12WSAddressing10, Encoding.UTF8)
      : new BinaryMessageEncodingBindingElement();
    return be.CreateMessageEncoderFactory().Encoder;
  }

  static string Hex(ArraySegment<byte> seg) {
    var sb = new StringBuilder(seg.Count * 2 + 1);
    for (int i = 0; i < seg.Count; i++) sb.Append(seg.Array[seg.Offset + i].ToString("x2"));
    return sb.ToString();
  }

  static byte[] Unhex(string s) {
    var b = new byte[s.Length / 2];
    for (int i = 0; i < b.Length; i++) b[i] = Convert.ToByte(s.Substring(2 * i, 2), 16);
    return b;
  }

  static int Main(string[] args) {
    var mode = args.Length > 0 ? args[0] : "encode";
    var cases = Cases().ToDictionary(c => c.Name);
    var bm = BufferManager.CreateBufferManager(0, int.MaxValue);
    if (mode == "encode") {
      foreach (var c in cases.Values) {
        foreach (var kind in new[] { "text", "binary" }) {
          var ser = new DataContractSerializer(c.Type, c.Root, Ns.Peer);
          var msg = Message.CreateMessage(MessageVersion.Soap12WSAddressing10, c.Action, c.Value, ser);
          msg.Headers.To = new Uri(c.To);
          var ms = new MemoryStream();
          Encoder(kind).WriteMessage(msg, ms);
          Console.WriteLine(c.Name + " " + kind + " " + Hex(new ArraySegment<byte>(ms.ToArray())));
        }
      }
      return 0;
    }
    string line;
    while ((line = Console.In.ReadLine()) != null) {
      var parts = line.Trim().Split(' ');
      if (parts.Length != 3) continue;
      try {
        var c = cases[parts[0]];
        var enc = Encoder(parts[1]);
        var bytes = Unhex(parts[2]);
        var msg = enc.ReadMessage(new MemoryStream(bytes), int.MaxValue, enc.ContentType);
        var body = msg.GetBody<object>(new DataContractSerializer(c.Type, c.Root, Ns.Peer));
        Console.WriteLine(c.Name + " " + parts[1] + " Action=" + msg.Headers.Action + ";To=" + msg.Headers.To + ";" + body);
      } catch (Exception e) {
        Console.WriteLine("ERROR " + parts[0] + " " + parts[1] + " " + e.GetType().Name + ": " + e.Message.Replace('\n', ' '));
        if (Environment.GetEnvironmentVariable("SOAP_INTEROP_TRACE") == "1") Console.Error.WriteLine(e);
      }
    }
    return 0;
  }
}
