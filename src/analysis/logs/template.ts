// An error message as a template: what varies between occurrences of the same error (ids,
// numbers, UUIDs, hex, IP addresses, quoted strings) masked, so "payment failed for order
// 41230" and "… order 77812" count as one.

const RULES: [RegExp, string][] = [
  [/"(?:[^"\\]|\\.)*"/g, '"<s>"'],
  [/'(?:[^'\\]|\\.)*'/g, "'<s>'"],
  [/\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/g, '<uuid>'],
  [/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b/g, '<ip>'],
  [/\[[0-9a-fA-F:]*:[0-9a-fA-F:]+\](?::\d+)?/g, '<ip>'],
  [/\b0x[0-9a-fA-F]+\b/g, '<hex>'],
  // Tokens that mix digits into letters or dashes (ids of any shape), 6 characters or more.
  [/(?<![\w<>-])(?=[\w-]*\d)(?=[\w-]*[A-Za-z_-])[\w-]{6,}(?![\w<>-])/g, '<id>'],
  // Then hex of 8+ digits with at least one digit and one letter (ids, hashes): not plain words.
  [/\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b/g, '<hex>'],
  // Numbers, units after them kept ("<n>ms").
  [/(?<![\w<>.])-?\d+(?:\.\d+)?/g, '<n>'],
];

export function templateOf(message: string): string {
  let t = message.length > 500 ? message.slice(0, 500) : message;
  for (const [re, sub] of RULES) t = t.replace(re, sub);
  return t;
}
