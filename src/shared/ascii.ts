// ASCII text <-> bytes for the data blocks' codecs. TextEncoder and TextDecoder are
// globals in browsers and in Node alike, but in neither of the type libraries this folder
// compiles with (no DOM, no Node): they are typed here, for what the codecs use.
interface TextCodecs {
  TextEncoder: new () => { encode(s: string): Uint8Array };
  TextDecoder: new () => { decode(b: Uint8Array): string };
}

const codecs = globalThis as unknown as TextCodecs;
const encoder = new codecs.TextEncoder();
const decoder = new codecs.TextDecoder();

/** The bytes of a string: ASCII characters as themselves, any other as bytes >= 128. */
export function asciiBytes(s: string): Uint8Array {
  return encoder.encode(s);
}

/** ASCII bytes as a string (much faster than String.fromCharCode over chunks). */
export function asciiString(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
