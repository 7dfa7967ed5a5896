/**
 * tools/pr-comment/redact.ts, piece by piece: which plaintexts a preview reveals and how text is
 * scrubbed of them. The leak tests show the comment holds no planted secret; these pin each rule.
 */
import { Redactor, SECRET_PROPERTIES, parsePreview } from "../tools/pr-comment";
import { maskState } from "../tools/pr-comment/redact";
import { SECRET_TEXT, SIGNATURES, SIGNATURE_KEY, UNKNOWN_VALUE } from "../tools/pr-comment/values";

/** A preview with one created resource of `type` whose inputs are `inputs`. */
function previewWith(type: string, inputs: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const urn = `urn:pulumi:staging::mlops-cicd::${type}::r`;
  return parsePreview(JSON.stringify({ steps: [{ op: "create", urn, newState: { type, urn, inputs, outputs: {}, ...extra } }] }));
}

describe("the plaintexts a preview reveals", () => {
  it.each(Object.entries(SECRET_PROPERTIES).flatMap(([type, properties]) => properties.map((property) => [type, property] as const)))(
    "%s's %s, secret by name for its type",
    (type, property) => {
      const plaintext = `planted-${property}-value`;
      const redactor = Redactor.forPreviews([previewWith(type, { [property]: plaintext, harmless: "visible-text" })]);
      expect(redactor.text(`x ${plaintext} visible-text`)).toBe(`x ${SECRET_TEXT} visible-text`);
    },
  );

  it("a property the state lists in additionalSecretOutputs", () => {
    const redactor = Redactor.forPreviews([previewWith("aws:x/y:Z", { custom: "custom-secret" }, { additionalSecretOutputs: ["custom"] })]);
    expect(redactor.text("custom-secret")).toBe(SECRET_TEXT);
  });

  it("a secret envelope's plaintext, parsed when it is JSON, its numbers included", () => {
    const envelope = (plaintext: string) => ({ [SIGNATURE_KEY]: SIGNATURES.secret, plaintext });
    const json = JSON.stringify({ user: "json-user", port: 543210, ssl: true, replica: null, nested: ["deep-value"] });
    const redactor = Redactor.forPreviews([previewWith("aws:x/y:Z", { a: envelope(json), b: envelope("not-json{") })]);
    expect(redactor.text("json-user 543210 deep-value not-json{")).toBe([SECRET_TEXT, SECRET_TEXT, SECRET_TEXT, SECRET_TEXT].join(" "));
    // The envelope's own signature is not a secret to scrub; nor is a flag, which cannot be told from
    // every other "true" in the comment.
    expect(redactor.text(`${SIGNATURES.secret} ssl: true`)).toBe(`${SIGNATURES.secret} ssl: true`);
  });

  it("an output value marked secret, its value only: not its dependencies' URNs", () => {
    const dependency = "urn:pulumi:staging::mlops-cicd::aws:rds/instance:Instance::db";
    const output = (value: string, secret: boolean) => ({ [SIGNATURE_KEY]: SIGNATURES.outputValue, value, secret, dependencies: [dependency] });
    const redactor = Redactor.forPreviews([previewWith("aws:x/y:Z", { hidden: output("output-secret", true), shown: output("output-visible", false) })]);
    expect(redactor.text(`output-secret output-visible ${dependency}`)).toBe(`${SECRET_TEXT} output-visible ${dependency}`);
  });

  it("keys secret whatever the type, however deep", () => {
    const redactor = Redactor.forPreviews([previewWith("aws:x/y:Z", { deep: { list: [{ password: "deep-password" }] }, privateKey: "key-material" })]);
    expect(redactor.text("deep-password key-material")).toBe(`${SECRET_TEXT} ${SECRET_TEXT}`);
  });
});

describe("maskState", () => {
  const urn = "urn:pulumi:staging::mlops-cicd::aws:rds/instance:Instance::db";

  it("hides its type's secret properties, the state's additionalSecretOutputs, secret envelopes and secret names however deep", () => {
    const state = {
      urn,
      type: "aws:rds/instance:Instance",
      inputs: {
        password: "pw-1",
        username: "admin",
        engine: null,
        clientSecret: "pw-2",
        options: [{ masterPassword: "pw-3", note: "kept" }, { masterPassword: undefined }],
        sealed: { [SIGNATURE_KEY]: SIGNATURES.secret, plaintext: '"pw-4"' },
        computed: [{ [SIGNATURE_KEY]: SIGNATURES.outputValue, value: "pw-5", secret: true }],
        plain: { [SIGNATURE_KEY]: SIGNATURES.outputValue, value: "visible", secret: false },
      },
      outputs: { password: "pw-1", custom: "pw-6", endpoint: "db.internal", passwordWo: undefined },
      additionalSecretOutputs: ["custom"],
    };
    expect(maskState(state)).toStrictEqual({
      ...state,
      inputs: {
        password: SECRET_TEXT,
        username: "admin",
        engine: null,
        clientSecret: SECRET_TEXT,
        options: [{ masterPassword: SECRET_TEXT, note: "kept" }, { masterPassword: undefined }],
        sealed: SECRET_TEXT,
        computed: [SECRET_TEXT],
        plain: { [SIGNATURE_KEY]: SIGNATURES.outputValue, value: "visible", secret: false },
      },
      // A secret that has no value shows as none, not as a hidden one.
      outputs: { password: SECRET_TEXT, custom: SECRET_TEXT, endpoint: "db.internal", passwordWo: undefined },
    });
  });

  it("leaves what a state lacks lacking", () => {
    expect(maskState(undefined)).toBeUndefined();
    expect(maskState({ urn, type: "aws:rds/instance:Instance", inputs: { password: "pw" } })).toStrictEqual({
      urn,
      type: "aws:rds/instance:Instance",
      inputs: { password: SECRET_TEXT },
      outputs: undefined,
    });
  });
});

describe("Redactor's scrubbing", () => {
  it("skips what cannot be told from text: shorter than 3, the secret text, the unknown value", () => {
    const redactor = new Redactor(["ab", SECRET_TEXT, UNKNOWN_VALUE]);
    expect(redactor.text(`ab ${SECRET_TEXT} ${UNKNOWN_VALUE}`)).toBe(`ab ${SECRET_TEXT} ${UNKNOWN_VALUE}`);
  });

  it("masks 3 to 5 characters as whole tokens, 6 or more anywhere", () => {
    const redactor = new Redactor(["abc", "abcde", "abcdef"]);
    expect(redactor.text("abc xabcx abcde abcdex abcdef xabcdefx")).toBe(`${SECRET_TEXT} xabcx ${SECRET_TEXT} abcdex ${SECRET_TEXT} x${SECRET_TEXT}x`);
  });

  it("masks a plaintext percent-encoded, as it sits in a URL", () => {
    expect(new Redactor(["p@ss/word!"]).text("https://u:p%40ss%2Fword!@h")).toBe(`https://u:${SECRET_TEXT}@h`);
  });

  it("masks the longest first, so a secret containing another goes whole", () => {
    expect(new Redactor(["secret1", "secret1-and-more"]).text("secret1-and-more")).toBe(SECRET_TEXT);
  });

  it("masks a short token with characters a regular expression would read otherwise", () => {
    expect(new Redactor(["a.c"]).text("a.c abc")).toBe(`${SECRET_TEXT} abc`);
  });
});
