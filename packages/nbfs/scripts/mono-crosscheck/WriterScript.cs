using System;
using System.IO;
using System.Text;
using System.Xml;
class P {
  static string Dec(string b64) { return Encoding.UTF8.GetString(Convert.FromBase64String(b64)); }
  static readonly string[] Words = { "Envelope", "Header", "Body", "urn:d", "urn:p", "mustUnderstand", "Action", "http://www.w3.org/2005/08/addressing", "item" };
  // Reads hex documents, one per line, and prints each as XML text (base64),
  // as XmlDictionaryReader + WriteNode render it.
  static void Decode() {
    var dict = new XmlDictionary();
    foreach (var word in Words) dict.Add(word);
    string line;
    var output = new StringBuilder();
    while ((line = Console.ReadLine()) != null) {
      var parts = line.Split(' ');
      var bytes = new byte[parts.Length];
      for (int i = 0; i < parts.Length; i++) bytes[i] = Convert.ToByte(parts[i], 16);
      var r = XmlDictionaryReader.CreateBinaryReader(bytes, 0, bytes.Length, dict, XmlDictionaryReaderQuotas.Max);
      var ms = new MemoryStream();
      var w = XmlDictionaryWriter.CreateTextWriter(ms, new UTF8Encoding(false), false);
      while (!r.EOF) w.WriteNode(r, true);
      w.Flush();
      output.AppendLine(Convert.ToBase64String(ms.ToArray()));
    }
    Console.Write(output.ToString());
  }

  static void Main(string[] args) {
    bool text = args.Length > 0 && args[0] == "text";
    if (args.Length > 0 && args[0] == "decode") { Decode(); return; }
    var dict = new XmlDictionary();
    var ds = new XmlDictionaryString[Words.Length];
    for (int i = 0; i < Words.Length; i++) ds[i] = dict.Add(Words[i]);
    string line;
    MemoryStream ms = null; XmlDictionaryWriter w = null;
    var output = new StringBuilder();
    while ((line = Console.ReadLine()) != null) {
      if (line == "BEGIN") { ms = new MemoryStream(); w = text ? XmlDictionaryWriter.CreateTextWriter(ms, new UTF8Encoding(false), false) : XmlDictionaryWriter.CreateBinaryWriter(ms, dict, null, false); continue; }
      if (line == "END") { w.Flush(); output.AppendLine(text ? Convert.ToBase64String(ms.ToArray()) : BitConverter.ToString(ms.ToArray()).Replace("-", " ").ToLowerInvariant()); continue; }
      var p = line.Split(' ');
      switch (p[0]) {
        case "S": w.WriteStartElement(Dec(p[1]), Dec(p[2]), p[3] == "-" ? null : Dec(p[3])); break;
        case "E": w.WriteEndElement(); break;
        case "SD": w.WriteStartElement(Dec(p[1]), ds[int.Parse(p[2])], ds[int.Parse(p[3])]); break;
        case "AD": w.WriteStartAttribute(Dec(p[1]), ds[int.Parse(p[2])], ds[int.Parse(p[3])]); w.WriteString(Dec(p[4])); w.WriteEndAttribute(); break;
        case "TD": w.WriteString(ds[int.Parse(p[1])]); break;
        case "Q": w.WriteQualifiedName(ds[int.Parse(p[1])], ds[int.Parse(p[2])]); break;
        case "F": w.WriteValue(BitConverter.Int64BitsToDouble(long.Parse(p[1]))); break;
        case "A": w.WriteAttributeString(Dec(p[1]), Dec(p[2]), p[3] == "-" ? null : Dec(p[3]), Dec(p[4])); break;
        case "T": w.WriteString(Dec(p[1])); break;
        case "I": w.WriteValue(int.Parse(p[1])); break;
        case "L": w.WriteValue(long.Parse(p[1])); break;
        case "B": { var b = Convert.FromBase64String(p[1]); w.WriteBase64(b, 0, b.Length); break; }
        case "G": w.WriteValue(new Guid(p[1])); break;
        case "C": w.WriteComment(Dec(p[1])); break;
        case "X": w.WriteXmlnsAttribute(Dec(p[1]), Dec(p[2])); break;
      }
    }
    Console.Write(output.ToString());
  }
}
