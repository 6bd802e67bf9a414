// A .NET-side peer for the @prch/security interop tests
// (packages/security/test/interop-mono.test.ts). It computes the
// PeerHashToken the way WCF's PeerSecurityHelpers.ComputeHash is documented
// to (WINDOWS-NOTES §1.6), with the .NET APIs themselves:
// X509Certificate2.PublicKey.Key -> RSACryptoServiceProvider.ExportCspBlob(false),
// String.Trim(), Encoding.Unicode, SHA256 and HMACSHA256.
//
//   mono PeerTokenInterop.exe token CERT.pem PASSWORD_B64...
//       prints "BLOB <hex>", then "TOKEN <password-b64> <token>" per password
//   mono PeerTokenInterop.exe tls-initiator PORT PFX PFX_PASSWORD PASSWORD_B64
//   mono PeerTokenInterop.exe tls-responder PFX PFX_PASSWORD PASSWORD_B64
//       a password-mode handshake over SslStream (TLS 1.2, client certificate
//       required, any certificate accepted) with a line framing standing in
//       for NMF/SOAP: the initiator writes "RST <token>", the responder answers
//       "RSTR <token>" or closes. The responder prints "PORT <n>" first.
//       Both print AUTHENTICATED, MISMATCH or ABORTED at the end.
//
// Passwords arrive as base64 of UTF-8 so any character survives argv.
using System;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

static class Program
{
    static byte[] PemToDer(string pem)
    {
        const string begin = "-----BEGIN CERTIFICATE-----";
        const string end = "-----END CERTIFICATE-----";
        int b = pem.IndexOf(begin, StringComparison.Ordinal);
        int e = pem.IndexOf(end, StringComparison.Ordinal);
        if (b < 0 || e < 0) throw new ArgumentException("no PEM certificate");
        string body = pem.Substring(b + begin.Length, e - b - begin.Length);
        return Convert.FromBase64String(body.Replace("\r", "").Replace("\n", ""));
    }

    static string Hex(byte[] bytes)
    {
        var sb = new StringBuilder(bytes.Length * 2);
        foreach (byte x in bytes) sb.Append(x.ToString("x2"));
        return sb.ToString();
    }

    static string Password(string b64)
    {
        return Encoding.UTF8.GetString(Convert.FromBase64String(b64));
    }

    static byte[] KeyBlob(X509Certificate2 cert)
    {
        return ((RSACryptoServiceProvider)cert.PublicKey.Key).ExportCspBlob(false);
    }

    static string Token(byte[] blob, string password)
    {
        byte[] pwd = Encoding.Unicode.GetBytes(password.Trim());
        byte[] pwdHash;
        using (var sha = SHA256.Create()) pwdHash = sha.ComputeHash(pwd);
        byte[] data = new byte[pwdHash.Length + blob.Length];
        Buffer.BlockCopy(pwdHash, 0, data, 0, pwdHash.Length);
        Buffer.BlockCopy(blob, 0, data, pwdHash.Length, blob.Length);
        using (var hmac = new HMACSHA256(pwd)) return Convert.ToBase64String(hmac.ComputeHash(data));
    }

    static string ReadLine(Stream s)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < 4096; i++)
        {
            int c = s.ReadByte();
            if (c < 0) return null;
            if (c == '\n') return sb.ToString();
            sb.Append((char)c);
        }
        return null;
    }

    static void WriteLine(Stream s, string line)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(line + "\n");
        s.Write(bytes, 0, bytes.Length);
        s.Flush();
    }

    static int Initiator(int port, X509Certificate2 self, string password)
    {
        using (var tcp = new TcpClient("127.0.0.1", port))
        using (var ssl = new SslStream(tcp.GetStream(), false, (s, c, ch, e) => true, (s, t, lc, rc, ai) => self))
        {
            ssl.AuthenticateAsClient("peer", new X509CertificateCollection { self }, SslProtocols.Tls12, false);
            WriteLine(ssl, "RST " + Token(KeyBlob(self), password));
            string reply;
            try { reply = ReadLine(ssl); } catch (IOException) { reply = null; }
            if (reply == null || !reply.StartsWith("RSTR ", StringComparison.Ordinal))
            {
                Console.WriteLine("ABORTED");
                return 0;
            }
            var remote = new X509Certificate2(ssl.RemoteCertificate);
            Console.WriteLine(reply.Substring(5) == Token(KeyBlob(remote), password) ? "AUTHENTICATED" : "MISMATCH");
            return 0;
        }
    }

    static int Responder(X509Certificate2 self, string password)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Console.WriteLine("PORT " + ((IPEndPoint)listener.LocalEndpoint).Port);
        Console.Out.Flush();
        using (var tcp = listener.AcceptTcpClient())
        using (var ssl = new SslStream(tcp.GetStream(), false, (s, c, ch, e) => true))
        {
            listener.Stop();
            ssl.AuthenticateAsServer(self, true, SslProtocols.Tls12, false);
            string rst;
            try { rst = ReadLine(ssl); } catch (IOException) { rst = null; }
            if (rst == null || !rst.StartsWith("RST ", StringComparison.Ordinal))
            {
                Console.WriteLine("ABORTED");
                return 0;
            }
            var remote = new X509Certificate2(ssl.RemoteCertificate);
            if (rst.Substring(4) != Token(KeyBlob(remote), password))
            {
                // Wrong token: abort without replying (MC-PRCH §2.2.3.2).
                Console.WriteLine("MISMATCH");
                return 0;
            }
            WriteLine(ssl, "RSTR " + Token(KeyBlob(self), password));
            Console.WriteLine("AUTHENTICATED");
            return 0;
        }
    }

    static void Exit(int code)
    {
        Console.Out.Flush();
        Environment.Exit(code);
    }

    static int Main(string[] args)
    {
        if (args.Length >= 2 && args[0] == "token")
        {
            byte[] blob = KeyBlob(new X509Certificate2(PemToDer(File.ReadAllText(args[1]))));
            Console.WriteLine("BLOB " + Hex(blob));
            for (int i = 2; i < args.Length; i++)
                Console.WriteLine("TOKEN " + args[i] + " " + Token(blob, Password(args[i])));
            return 0;
        }
        // Environment.Exit: Mono 6.8 can hang in runtime shutdown after SslStream use.
        if (args.Length == 5 && args[0] == "tls-initiator")
            Exit(Initiator(int.Parse(args[1]), new X509Certificate2(args[2], args[3]), Password(args[4])));
        if (args.Length == 4 && args[0] == "tls-responder")
            Exit(Responder(new X509Certificate2(args[1], args[2]), Password(args[3])));
        Console.Error.WriteLine("usage: see the comment at the top of Program.cs");
        return 2;
    }
}
