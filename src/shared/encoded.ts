// Text in a data block's own alphabet (varint digits, base64): nothing in it needs
// escaping in JSON or inside an HTML <script> element, so the report writer puts it in
// the page as it is (src/report/html.ts jsonForScript), instead of copying and scanning
// megabytes of it. The block types take the text's type as a parameter: Encoded where
// the writer makes them, string where the page reads them back with JSON.parse.
export class Encoded {
  private constructor(readonly text: string) {}

  /** Only for this folder's encoders, whose output holds nothing but A-Z a-z 0-9 + / = - _. */
  static of(text: string): Encoded {
    return new Encoded(text);
  }

  /** JSON.stringify writes the text. */
  toJSON(): string {
    return this.text;
  }
}
