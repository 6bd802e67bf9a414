/**
 * Record types of MC-NBFX §2.1.1. Text records are even; the odd value
 * after each is its *WithEndElement form (§2.2.3.31), except for the list
 * markers 0xA4/0xA6 whose odd neighbours are reserved.
 */
export const Rec = {
  EndElement: 0x01,
  Comment: 0x02,
  Array: 0x03,
  ShortAttribute: 0x04,
  Attribute: 0x05,
  ShortDictionaryAttribute: 0x06,
  DictionaryAttribute: 0x07,
  ShortXmlnsAttribute: 0x08,
  XmlnsAttribute: 0x09,
  ShortDictionaryXmlnsAttribute: 0x0a,
  DictionaryXmlnsAttribute: 0x0b,
  PrefixDictionaryAttributeA: 0x0c,
  PrefixDictionaryAttributeZ: 0x25,
  PrefixAttributeA: 0x26,
  PrefixAttributeZ: 0x3f,
  ShortElement: 0x40,
  Element: 0x41,
  ShortDictionaryElement: 0x42,
  DictionaryElement: 0x43,
  PrefixDictionaryElementA: 0x44,
  PrefixDictionaryElementZ: 0x5d,
  PrefixElementA: 0x5e,
  PrefixElementZ: 0x77,
  ZeroText: 0x80,
  OneText: 0x82,
  FalseText: 0x84,
  TrueText: 0x86,
  Int8Text: 0x88,
  Int16Text: 0x8a,
  Int32Text: 0x8c,
  Int64Text: 0x8e,
  FloatText: 0x90,
  DoubleText: 0x92,
  DecimalText: 0x94,
  DateTimeText: 0x96,
  Chars8Text: 0x98,
  Chars16Text: 0x9a,
  Chars32Text: 0x9c,
  Bytes8Text: 0x9e,
  Bytes16Text: 0xa0,
  Bytes32Text: 0xa2,
  StartListText: 0xa4,
  EndListText: 0xa6,
  EmptyText: 0xa8,
  DictionaryText: 0xaa,
  UniqueIdText: 0xac,
  TimeSpanText: 0xae,
  UuidText: 0xb0,
  UInt64Text: 0xb2,
  BoolText: 0xb4,
  UnicodeChars8Text: 0xb6,
  UnicodeChars16Text: 0xb8,
  UnicodeChars32Text: 0xba,
  QNameDictionaryText: 0xbc,
} as const;

const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

const NAMES: (string | undefined)[] = (() => {
  const names: (string | undefined)[] = new Array(256).fill(undefined);
  for (const [name, value] of Object.entries(Rec)) {
    if (/[A-Z]$/.test(name) && /Prefix/.test(name)) continue;
    names[value] = name;
    if (value >= 0x80 && value !== Rec.StartListText && value !== Rec.EndListText) {
      names[value + 1] = `${name}WithEndElement`;
    }
  }
  for (let i = 0; i < 26; i++) {
    const l = LETTERS[i]!;
    names[Rec.PrefixDictionaryAttributeA + i] = `PrefixDictionaryAttribute${l}`;
    names[Rec.PrefixAttributeA + i] = `PrefixAttribute${l}`;
    names[Rec.PrefixDictionaryElementA + i] = `PrefixDictionaryElement${l}`;
    names[Rec.PrefixElementA + i] = `PrefixElement${l}`;
  }
  return names;
})();

/** The MC-NBFX §2.1.1 name of a record type, or undefined for reserved values. */
export function recordName(type: number): string | undefined {
  return NAMES[type];
}

/** True for the defined record types 0x01–0xBD. */
export function isDefinedRecord(type: number): boolean {
  return NAMES[type] !== undefined;
}
