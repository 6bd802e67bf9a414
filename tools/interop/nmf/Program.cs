// prch interop peer for @prch/nmf: a WCF (Mono System.ServiceModel) service
// and client over net.tcp with security None. Driven by
// packages/nmf/test/interop.test.ts; see README.md next to this file.
using System;
using System.IO;
using System.ServiceModel;
using System.ServiceModel.Channels;
using System.ServiceModel.Description;
using System.Text;
using System.Threading;

namespace Prch.Interop.Nmf
{
    [ServiceContract(Namespace = "http://prch.test/nmf", SessionMode = SessionMode.Required)]
    public interface IEchoSession
    {
        [OperationContract(Action = "urn:prch:echo", ReplyAction = "urn:prch:echoResponse")]
        string Echo(string text);

        [OperationContract(IsOneWay = true, Action = "urn:prch:notify")]
        void Notify(string text);
    }

    [ServiceContract(Namespace = "http://prch.test/nmf", SessionMode = SessionMode.NotAllowed)]
    public interface IEchoSingleton
    {
        [OperationContract(Action = "urn:prch:echo", ReplyAction = "urn:prch:echoResponse")]
        string Echo(string text);

        [OperationContract(IsOneWay = true, Action = "urn:prch:notify")]
        void Notify(string text);
    }

    [ServiceBehavior(InstanceContextMode = InstanceContextMode.PerCall, ConcurrencyMode = ConcurrencyMode.Multiple)]
    public class EchoService : IEchoSession, IEchoSingleton
    {
        public string Echo(string text)
        {
            Program.Say("ECHO " + text);
            return "echo:" + text;
        }

        public void Notify(string text)
        {
            Program.Say("NOTIFY " + text);
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

        static Binding MakeBinding(string name)
        {
            var tcp = new TcpTransportBindingElement();
            switch (name) {
            case "duplex-text":
                return new CustomBinding(
                    new TextMessageEncodingBindingElement(MessageVersion.Soap12WSAddressing10, Encoding.UTF8),
                    tcp);
            case "duplex-binary":
                return new NetTcpBinding(SecurityMode.None);
            case "singleton-binary":
                // Streamed transfer is what selects NMF Singleton Unsized (MC-NMF §6 <1>).
                tcp.TransferMode = TransferMode.Streamed;
                return new CustomBinding(new BinaryMessageEncodingBindingElement(), tcp);
            default:
                throw new ArgumentException("unknown binding " + name);
            }
        }

        static Type ContractFor(string binding)
        {
            return binding.StartsWith("singleton") ? typeof(IEchoSingleton) : typeof(IEchoSession);
        }

        static int Server(int port, string binding)
        {
            var address = new Uri("net.tcp://127.0.0.1:" + port + "/echo");
            var host = new ServiceHost(typeof(EchoService));
            host.AddServiceEndpoint(ContractFor(binding), MakeBinding(binding), address);
            Unthrottle(host);
            host.Open();
            Say("READY " + address);
            // Runs until the test closes our stdin.
            while (Console.In.ReadLine() != null) { }
            try { host.Close(TimeSpan.FromSeconds(2)); } catch (Exception) { host.Abort(); }
            return 0;
        }

        // Mono keeps .NET 3.0's throttle (10 sessions, then the listener stops accepting) and a
        // thread pool that barely grows while the CPU is busy, each session holding a thread.
        // Under CI's load that stalls requests for many seconds; the harness tests framing, not
        // Mono's throttle (Windows' .NET 4 allows 100 sessions per processor).
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

        static int Client(string binding, string url, string text)
        {
            var endpoint = new EndpointAddress(url);
            if (binding.StartsWith("singleton")) {
                var factory = new ChannelFactory<IEchoSingleton>(MakeBinding(binding), endpoint);
                var proxy = factory.CreateChannel();
                Say("ECHO-RESULT " + proxy.Echo(text));
                ((IClientChannel) proxy).Close();
                // No one-way call here: Mono's singleton client waits for a reply to it
                // and fails when the server (rightly) sends none.
                factory.Close();
            } else {
                var factory = new ChannelFactory<IEchoSession>(MakeBinding(binding), endpoint);
                var proxy = factory.CreateChannel();
                Say("ECHO-RESULT " + proxy.Echo(text));
                proxy.Notify(text);
                Say("NOTIFIED");
                ((IClientChannel) proxy).Close();
                factory.Close();
            }
            Say("DONE");
            return 0;
        }

        public static int Main(string[] args)
        {
            try {
                if (args.Length == 3 && args[0] == "server")
                    return Server(int.Parse(args[1]), args[2]);
                if (args.Length == 4 && args[0] == "client")
                    return Client(args[1], args[2], args[3]);
                Console.Error.WriteLine("usage: NmfInterop.exe server PORT BINDING | client BINDING URL TEXT");
                return 64;
            } catch (Exception e) {
                Say("ERROR " + e.GetType().Name + ": " + e.Message.Replace('\n', ' '));
                Console.Error.WriteLine(e);
                return 1;
            }
        }
    }
}
