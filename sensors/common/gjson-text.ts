// A JSON value held as its formatted text (what gjson's @pretty returns): printed as that text, read again when a
// later path component goes into it. JSON.stringify writes it verbatim (JSON.rawJSON where the runtime has it).
export class JsonText {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
  toJSON(): unknown {
    return JSON.rawJSON ? JSON.rawJSON(this.text.trim()) : (JSON.parse(this.text) as unknown);
  }
}

export const isJsonText = (v: unknown): v is JsonText => v instanceof JsonText;
