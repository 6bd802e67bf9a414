// A second implementation of .NET Binary XML for the @prch/nbfs interop suite:
// Mono's XmlDictionaryWriter.CreateBinaryWriter / XmlDictionaryReader.CreateBinaryReader,
// which run the .NET Framework's XmlBinaryWriter and XmlBinaryReader code.
//
// Usage: mono NbfsInterop.exe MODE DICTIONARY_FILE < input > output
//   DICTIONARY_FILE holds the static dictionary, one base64 UTF-8 string a line;
//   line i becomes key i, which the binary writer puts on the wire as id 2 × i
//   (MC-NBFS §2.1: static ids are even).
// Modes (one document in, one line out; a failing document prints "ERROR <message>"):
//   ops    — writer calls between BEGIN and END lines (see RunOp); prints the bytes in hex.
//   text   — one XML document a line (base64 UTF-8); copies it node by node into a binary
//            writer, naming every name and namespace the dictionary holds by its
//            XmlDictionaryString, as WCF's own serializers do; prints the bytes in hex.
//   decode — one binary document a line (hex); prints its XML text rendering (base64 UTF-8)
//            as XmlDictionaryReader + WriteNode into a text writer produce it.
//   session-text, session-decode — the same with one MC-NBFSE session for all lines (one
//            direction of a WCF session): names outside the static dictionary become session
//            strings, and each document is preceded by the StringTable of its new strings.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Xml;

static class NbfsInterop {
  static XmlDictionary dict = new XmlDictionary();
  static List<XmlDictionaryString> entries = new List<XmlDictionaryString>();

  static string Utf8(string b64) { return Encoding.UTF8.GetString(Convert.FromBase64String(b64)); }
  static string B64(byte[] b) { return Convert.ToBase64String(b); }
  static string Hex(byte[] b) { return BitConverter.ToString(b).Replace("-", " ").ToLowerInvariant(); }

  static byte[] FromHex(string line) {
    line = line.Trim();
    if (line.Length == 0) return new byte[0];
    var parts = line.Split(' ');
    var bytes = new byte[parts.Length];
    for (int i = 0; i < parts.Length; i++) bytes[i] = Convert.ToByte(parts[i], 16);
    return bytes;
  }

  // Strings outside the static dictionary come from a second dictionary,
  // which the binary writer does not know, so it writes them inline.
  static XmlDictionary others = new XmlDictionary();

  static XmlDictionaryString Lookup(string s) {
    XmlDictionaryString found;
    return dict.TryLookup(s, out found) ? found : others.Add(s);
  }

  static int Main(string[] args) {
    if (args.Length != 2) {
      Console.Error.WriteLine("usage: NbfsInterop.exe ops|text|decode DICTIONARY_FILE");
      return 1;
    }
    foreach (var line in File.ReadAllLines(args[1])) entries.Add(dict.Add(Utf8(line)));
    Console.InputEncoding = new UTF8Encoding(false);
    var output = new StringBuilder();
    switch (args[0]) {
      case "ops": Ops(output); break;
      case "text": Text(output, false); break;
      case "decode": Decode(output, false); break;
      case "session-text": Text(output, true); break;
      case "session-decode": Decode(output, true); break;
      default: Console.Error.WriteLine("unknown mode " + args[0]); return 1;
    }
    Console.Out.Write(output.ToString());
    Console.Out.Flush();
    return 0;
  }

  static void Ops(StringBuilder output) {
    string line;
    MemoryStream ms = null;
    XmlDictionaryWriter w = null;
    string error = null;
    while ((line = Console.ReadLine()) != null) {
      if (line == "BEGIN") {
        ms = new MemoryStream();
        w = XmlDictionaryWriter.CreateBinaryWriter(ms, dict, null, false);
        error = null;
        continue;
      }
      if (line == "END") {
        if (error == null) {
          try { w.Flush(); } catch (Exception e) { error = e.GetType().Name + ": " + e.Message; }
        }
        output.AppendLine(error == null ? Hex(ms.ToArray()) : "ERROR " + error.Replace('\n', ' '));
        continue;
      }
      if (error != null) continue;
      try { RunOp(w, line.Split(' ')); } catch (Exception e) { error = e.GetType().Name + ": " + e.Message; }
    }
  }

  // One writer call a line; strings are base64 UTF-8, "-" is null, dictionary
  // strings are given by their key (line number in the dictionary file).
  static void RunOp(XmlDictionaryWriter w, string[] p) {
    switch (p[0]) {
      case "S": w.WriteStartElement(Utf8(p[1]), Utf8(p[2]), p[3] == "-" ? null : Utf8(p[3])); break;
      case "SD": w.WriteStartElement(Utf8(p[1]), entries[int.Parse(p[2])], entries[int.Parse(p[3])]); break;
      case "E": w.WriteEndElement(); break;
      case "A": w.WriteAttributeString(Utf8(p[1]), Utf8(p[2]), p[3] == "-" ? null : Utf8(p[3]), Utf8(p[4])); break;
      case "AD":
        w.WriteStartAttribute(Utf8(p[1]), entries[int.Parse(p[2])], entries[int.Parse(p[3])]);
        w.WriteString(Utf8(p[4]));
        w.WriteEndAttribute();
        break;
      case "X": w.WriteXmlnsAttribute(Utf8(p[1]), Utf8(p[2])); break;
      case "XD": w.WriteXmlnsAttribute(Utf8(p[1]), entries[int.Parse(p[2])]); break;
      case "T": w.WriteString(Utf8(p[1])); break;
      case "TD": w.WriteString(entries[int.Parse(p[1])]); break;
      case "I": w.WriteValue(int.Parse(p[1])); break;
      case "L": w.WriteValue(long.Parse(p[1])); break;
      case "BO": w.WriteValue(p[1] == "1"); break;
      case "F": w.WriteValue(BitConverter.Int64BitsToDouble(long.Parse(p[1]))); break;
      case "FL": w.WriteValue(BitConverter.ToSingle(BitConverter.GetBytes(int.Parse(p[1])), 0)); break;
      case "UL": w.WriteValue((object)ulong.Parse(p[1])); break;
      case "DE": w.WriteValue(decimal.Parse(p[1], CultureInfo.InvariantCulture)); break;
      case "DT": w.WriteValue(new DateTime(long.Parse(p[1]), p[2] == "utc" ? DateTimeKind.Utc : DateTimeKind.Unspecified)); break;
      case "TS": w.WriteValue(new TimeSpan(long.Parse(p[1]))); break;
      case "B": { var b = Convert.FromBase64String(p[1]); w.WriteBase64(b, 0, b.Length); break; }
      case "G": w.WriteValue(new Guid(p[1])); break;
      case "U": w.WriteValue(new UniqueId(new Guid(p[1]))); break;
      case "Q": w.WriteQualifiedName(entries[int.Parse(p[1])], entries[int.Parse(p[2])]); break;
      case "C": w.WriteComment(Utf8(p[1])); break;
      case "AR": WriteArrayOp(w, p); break;
      default: throw new ArgumentException("unknown op " + p[0]);
    }
  }

  // AR type prefix local ns items: items comma-separated ("-" for none); floats and
  // doubles as their bits, DateTimes as ticks:utc|unspecified.
  static void WriteArrayOp(XmlDictionaryWriter w, string[] p) {
    string prefix = Utf8(p[2]), local = Utf8(p[3]), ns = Utf8(p[4]);
    var items = p[5] == "-" ? new string[0] : p[5].Split(',');
    var inv = CultureInfo.InvariantCulture;
    switch (p[1]) {
      case "bool": { var a = Array.ConvertAll(items, x => x == "1"); w.WriteArray(prefix, local, ns, a, 0, a.Length); break; }
      case "int16": { var a = Array.ConvertAll(items, x => short.Parse(x, inv)); w.WriteArray(prefix, local, ns, a, 0, a.Length); break; }
      case "int32": { var a = Array.ConvertAll(items, x => int.Parse(x, inv)); w.WriteArray(prefix, local, ns, a, 0, a.Length); break; }
      case "int64": { var a = Array.ConvertAll(items, x => long.Parse(x, inv)); w.WriteArray(prefix, local, ns, a, 0, a.Length); break; }
      case "float": { var a = Array.ConvertAll(items, x => BitConverter.ToSingle(BitConverter.GetBytes(int.Parse(x, inv)), 0)); w.WriteArray(prefix, local, ns, a, 0, a.Length); break; }
      case "double": { var a = Array.ConvertAll(items, x => BitConverter.Int64BitsToDouble(long.Parse(x, inv))); w.WriteArray(prefix, local, ns, a, 0, a.Length); break; }
      case "decimal": { var a = Array.ConvertAll(items, x => decimal.Parse(x, inv)); w.WriteArray(prefix, local, ns, a, 0, a.Length); break; }
      case "datetime": {
        var a = Array.ConvertAll(items, x => { var t = x.Split(':'); return new DateTime(long.Parse(t[0], inv), t[1] == "utc" ? DateTimeKind.Utc : DateTimeKind.Unspecified); });
        w.WriteArray(prefix, local, ns, a, 0, a.Length);
        break;
      }
      case "timespan": { var a = Array.ConvertAll(items, x => new TimeSpan(long.Parse(x, inv))); w.WriteArray(prefix, local, ns, a, 0, a.Length); break; }
      case "guid": { var a = Array.ConvertAll(items, x => new Guid(x)); w.WriteArray(prefix, local, ns, a, 0, a.Length); break; }
      default: throw new ArgumentException("unknown array type " + p[1]);
    }
  }

  static void Text(StringBuilder output, bool withSession) {
    string line;
    // One session for all documents, as one direction of a WCF session.
    var session = withSession ? new RecordingSession() : null;
    while ((line = Console.ReadLine()) != null) {
      try {
        if (session != null) session.Added.Clear();
        var settings = new XmlReaderSettings();
        settings.IgnoreWhitespace = true;
        settings.DtdProcessing = DtdProcessing.Prohibit;
        var r = XmlReader.Create(new StringReader(Utf8(line)), settings);
        var ms = new MemoryStream();
        var w = XmlDictionaryWriter.CreateBinaryWriter(ms, dict, session, false);
        CopyWithDictionary(r, w);
        w.Flush();
        output.AppendLine(Hex(session == null ? ms.ToArray() : Concat(StringTable(session.Added), ms.ToArray())));
      } catch (Exception e) {
        output.AppendLine("ERROR " + e.GetType().Name + ": " + e.Message.Replace('\n', ' '));
      }
    }
  }

  // WriteNode would pass plain strings, which the binary writer never looks up;
  // WCF's serializers pass XmlDictionaryStrings, so this copy does the same for
  // every name and namespace the dictionary holds.
  static void CopyWithDictionary(XmlReader r, XmlDictionaryWriter w) {
    while (r.Read()) {
      switch (r.NodeType) {
        case XmlNodeType.Element: {
          bool empty = r.IsEmptyElement;
          w.WriteStartElement(r.Prefix, Lookup(r.LocalName), Lookup(r.NamespaceURI));
          if (r.MoveToFirstAttribute()) {
            do {
              if (r.Prefix == "xmlns" || (r.Prefix == "" && r.LocalName == "xmlns")) {
                string prefix = r.Prefix == "" ? "" : r.LocalName;
                w.WriteXmlnsAttribute(prefix, Lookup(r.Value));
                continue;
              }
              w.WriteStartAttribute(r.Prefix, Lookup(r.LocalName), Lookup(r.NamespaceURI));
              w.WriteString(r.Value);
              w.WriteEndAttribute();
            } while (r.MoveToNextAttribute());
            r.MoveToElement();
          }
          if (empty) w.WriteEndElement();
          break;
        }
        case XmlNodeType.EndElement: w.WriteEndElement(); break;
        case XmlNodeType.Text:
        case XmlNodeType.CDATA:
        case XmlNodeType.SignificantWhitespace:
          w.WriteString(r.Value);
          break;
        case XmlNodeType.Comment: w.WriteComment(r.Value); break;
      }
    }
  }

  static void Decode(StringBuilder output, bool withSession) {
    string line;
    var session = withSession ? new XmlBinaryReaderSession() : null;
    int nextKey = 0;
    while ((line = Console.ReadLine()) != null) {
      try {
        var bytes = FromHex(line);
        int start = 0;
        if (session != null) {
          // MC-NBFSE §2.1: the StringTable before the document adds the next session ids.
          int size = ReadInt31(bytes, ref start);
          int end = start + size;
          while (start < end) {
            int len = ReadInt31(bytes, ref start);
            session.Add(nextKey++, Encoding.UTF8.GetString(bytes, start, len));
            start += len;
          }
        }
        var r = session == null
          ? XmlDictionaryReader.CreateBinaryReader(bytes, 0, bytes.Length, dict, XmlDictionaryReaderQuotas.Max)
          : XmlDictionaryReader.CreateBinaryReader(bytes, start, bytes.Length - start, dict, XmlDictionaryReaderQuotas.Max, session);
        var ms = new MemoryStream();
        var w = XmlDictionaryWriter.CreateTextWriter(ms, new UTF8Encoding(false), false);
        while (!r.EOF) w.WriteNode(r, true);
        w.Flush();
        output.AppendLine(B64(ms.ToArray()));
      } catch (Exception e) {
        output.AppendLine("ERROR " + e.GetType().Name + ": " + e.Message.Replace('\n', ' '));
      }
    }
  }

  // Records the strings the binary writer adds to its session, as WCF's
  // BinaryMessageEncoder does to write them as the next StringTable.
  class RecordingSession : XmlBinaryWriterSession {
    public readonly List<string> Added = new List<string>();
    public override bool TryAdd(XmlDictionaryString value, out int key) {
      if (!base.TryAdd(value, out key)) return false;
      Added.Add(value.Value);
      return true;
    }
  }

  // MC-NBFSE §2.1: MultiByteInt31 size of the strings, then each string as a
  // MultiByteInt31 length and UTF-8.
  static byte[] StringTable(List<string> strings) {
    var body = new MemoryStream();
    foreach (var s in strings) {
      var utf8 = Encoding.UTF8.GetBytes(s);
      WriteInt31(body, utf8.Length);
      body.Write(utf8, 0, utf8.Length);
    }
    var table = new MemoryStream();
    WriteInt31(table, (int)body.Length);
    body.WriteTo(table);
    return table.ToArray();
  }

  static void WriteInt31(Stream s, int v) {
    while (v >= 0x80) { s.WriteByte((byte)(v | 0x80)); v >>= 7; }
    s.WriteByte((byte)v);
  }

  static int ReadInt31(byte[] b, ref int at) {
    int v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      byte x = b[at++];
      v |= (x & 0x7f) << shift;
      if ((x & 0x80) == 0) return v;
    }
    throw new FormatException("bad MultiByteInt31");
  }

  static byte[] Concat(byte[] a, byte[] b) {
    var all = new byte[a.Length + b.Length];
    Buffer.BlockCopy(a, 0, all, 0, a.Length);
    Buffer.BlockCopy(b, 0, all, a.Length, b.Length);
    return all;
  }
}
