// A second opinion on the PeerHashToken from the .NET side, for the
// @prch/security interop test (packages/security/test/interop-mono.test.ts).
// It computes the token the way WCF's PeerSecurityHelpers.ComputeHash is
// documented to (WINDOWS-NOTES §1.6), using the .NET APIs themselves:
// X509Certificate2.PublicKey.Key -> RSACryptoServiceProvider.ExportCspBlob(false),
// String.Trim(), Encoding.Unicode, SHA256 and HMACSHA256.
//
//   mono PeerTokenInterop.exe CERT.pem PASSWORD_B64...
//
// Prints "BLOB <hex>" and then "TOKEN <password-b64> <token>" per password.
// Passwords arrive as base64 of UTF-8 so any character survives argv.
using System;
using System.IO;
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

    static int Main(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: PeerTokenInterop.exe CERT.pem PASSWORD_B64...");
            return 2;
        }
        var cert = new X509Certificate2(PemToDer(File.ReadAllText(args[0])));
        var rsa = (RSACryptoServiceProvider)cert.PublicKey.Key;
        byte[] blob = rsa.ExportCspBlob(false);
        Console.WriteLine("BLOB " + Hex(blob));
        for (int i = 1; i < args.Length; i++)
        {
            string password = Encoding.UTF8.GetString(Convert.FromBase64String(args[i]));
            byte[] pwd = Encoding.Unicode.GetBytes(password.Trim());
            byte[] pwdHash;
            using (var sha = SHA256.Create()) pwdHash = sha.ComputeHash(pwd);
            byte[] data = new byte[pwdHash.Length + blob.Length];
            Buffer.BlockCopy(pwdHash, 0, data, 0, pwdHash.Length);
            Buffer.BlockCopy(blob, 0, data, pwdHash.Length, blob.Length);
            byte[] mac;
            using (var hmac = new HMACSHA256(pwd)) mac = hmac.ComputeHash(data);
            Console.WriteLine("TOKEN " + args[i] + " " + Convert.ToBase64String(mac));
        }
        return 0;
    }
}
