/**
 * tools/pr-comment/redact.ts, piece by piece: which plaintexts a preview reveals and how text is
 * scrubbed of them. The leak tests show the comment holds no planted secret; these pin each rule.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CONFIG_KEYS } from "../infra/config-schema";
import { qualifiedKey } from "../contracts/project";
import { Redactor, SECRET_PROPERTIES, maskCredentials, parsePreview } from "../tools/pr-comment";
import { looksLikeSecretKey, maskState } from "../tools/pr-comment/redact";
import { SECRET_TEXT, SIGNATURES, SIGNATURE_KEY, UNKNOWN_VALUE } from "../tools/pr-comment/values";

const PROVIDERS = path.join(__dirname, "..", "node_modules", "@pulumi");

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

  it("a secret envelope's plaintext that is already a value rather than JSON text, its strings all the same", () => {
    const redactor = Redactor.forPreviews([previewWith("aws:x/y:Z", { a: { [SIGNATURE_KEY]: SIGNATURES.secret, plaintext: ["parsed-secret"] } })]);
    expect(redactor.text("parsed-secret")).toBe(SECRET_TEXT);
  });

  it("a field named plaintext outside an envelope: the string as it is, JSON or not", () => {
    const text = JSON.stringify({ user: "admin1", note: "kept-whole" });
    const redactor = Redactor.forPreviews([previewWith("aws:x/y:Z", { settings: { plaintext: text } }, { additionalSecretOutputs: ["settings"] })]);
    expect(redactor.text(text)).toBe(SECRET_TEXT);
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

  // Types the table does not list, each with a credential its provider declares secret under a name
  // that is secret everywhere.
  it.each([
    ["aws:cognito/user:User", "password"],
    ["aws:docdb/cluster:Cluster", "masterPassword"],
    ["github:index/codespacesSecret:CodespacesSecret", "plaintextValue"],
    ["aws:acm/certificate:Certificate", "privateKey"],
    ["aws:cognito/userPoolClient:UserPoolClient", "clientSecret"],
    ["aws:lightsail/bucketAccessKey:BucketAccessKey", "secretAccessKey"],
  ])("%s's %s, a type the table does not list", (type, property) => {
    expect(declaredSecret(providerSource(type) ?? "")).toContain(property);
    const plaintext = `Tr0ub4dor-${property}`;
    const state = { type, urn: `urn:pulumi:staging::mlops-cicd::${type}::r`, inputs: { [property]: plaintext, nested: [{ [property]: `${plaintext}-deep` }] } };
    expect(Redactor.forPreviews([previewWith(type, state.inputs)]).text(`${plaintext} ${plaintext}-deep`)).toBe(`${SECRET_TEXT} ${SECRET_TEXT}`);
    expect(maskState(state).inputs).toEqual({ [property]: SECRET_TEXT, nested: [{ [property]: SECRET_TEXT }] });
  });

  it("a secret string nested in a type nobody declares anything for", () => {
    const redactor = Redactor.forPreviews([previewWith("mlops-cicd:database:Credentials", { version: { secretString: "nested-secret-string" } })]);
    expect(redactor.text("nested-secret-string")).toBe(SECRET_TEXT);
  });

  it("secret config: every key the project declares secret, whatever its name", () => {
    const secretKeys = CONFIG_KEYS.filter((spec) => spec.secret !== undefined).map((spec) => qualifiedKey(spec.key));
    // Named like an ordinary setting, so only the declaration makes them secret.
    expect(secretKeys).toEqual(expect.arrayContaining(["mlops-cicd:slackWebhookUrl", "mlops-cicd:awsAccessKeyId"]));
    const config = Object.fromEntries(secretKeys.map((key) => [key, `planted-${key}`]));
    const redactor = Redactor.forPreviews([parsePreview(JSON.stringify({ config, steps: [] }))]);
    for (const key of secretKeys) expect(redactor.text(`planted-${key}`)).toBe(SECRET_TEXT);
  });

  it("secret config: a key named like a credential after its namespace, not for its namespace", () => {
    const config = { "db-password-rotation:schedule": "rate(30 days)", "app:dbPassword": "pw9876", dbPassword: "unqualified-pw", "app:clientSecretName": "name-of-it" };
    const redactor = Redactor.forPreviews([parsePreview(JSON.stringify({ config, steps: [] }))]);
    expect(redactor.text("rate(30 days) pw9876 unqualified-pw name-of-it")).toBe(`rate(30 days) ${SECRET_TEXT} ${SECRET_TEXT} name-of-it`);
  });

  it("secret config: only string values, as the engine writes them; a list is read without failing", () => {
    const config = { "app:apiTokens": ["one", "two", "six"], "app:apiToken": "token-value" };
    const redactor = Redactor.forPreviews([parsePreview(JSON.stringify({ config, steps: [] }))]);
    expect(redactor.text("token-value one")).toBe(`${SECRET_TEXT} one`);
  });
});

/** The JavaScript of the provider SDK that defines `type`, when it is installed. */
function providerSource(type: string): string | undefined {
  const provider = /^pulumi:providers:([a-z]+)$/.exec(type);
  const resource = /^([a-z]+):(?:index\/)?([\w/]+):\w+$/.exec(type);
  const file = provider ? path.join(PROVIDERS, provider[1], "provider.js") : resource ? path.join(PROVIDERS, resource[1], `${resource[2]}.js`) : undefined;
  return file !== undefined && fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}

/** The properties a provider's constructor declares secret (`additionalSecretOutputs`). */
function declaredSecret(source: string): string[] {
  const list = /additionalSecretOutputs: \[([^\]]*)\]/.exec(source)?.[1] ?? "";
  return [...list.matchAll(/"([^"]+)"/g)].map((match) => match[1]);
}

/** The properties a provider's constructor passes on (`resourceInputs["name"]`). */
function handledProperties(source: string): Set<string> {
  return new Set([...source.matchAll(/resourceInputs\["([^"]+)"\]/g)].map((match) => match[1]));
}

describe("SECRET_PROPERTIES, against what each provider declares", () => {
  /**
   * The postgresql provider's SDK is not installed here; its constructors' declarations, from
   * pulumi/pulumi-postgresql v3.18.0 (sdk/nodejs/role.ts, subscription.ts, provider.ts).
   */
  const NOT_INSTALLED: Readonly<Record<string, readonly string[]>> = {
    "postgresql:index/role:Role": ["password", "passwordWo"],
    "postgresql:index/subscription:Subscription": ["conninfo"],
    "pulumi:providers:postgresql": ["password"],
  };
  /**
   * Listed beyond the provider's declaration: the docker provider marks none of its inputs secret,
   * yet each `registryAuth` entry holds a registry's password.
   */
  const BEYOND_THE_PROVIDER: Readonly<Record<string, readonly string[]>> = { "pulumi:providers:docker": ["registryAuth"] };

  it.each(Object.keys(SECRET_PROPERTIES))("%s: every property its provider declares secret, each a property it has", (type) => {
    const source = providerSource(type);
    const declared = source === undefined ? NOT_INSTALLED[type] : declaredSecret(source);
    // A type whose provider is neither installed nor listed above cannot be checked: add it there.
    expect(declared).toBeDefined();
    expect(SECRET_PROPERTIES[type]).toEqual(expect.arrayContaining([...declared]));
    expect(SECRET_PROPERTIES[type].filter((property) => !declared.includes(property))).toEqual(BEYOND_THE_PROVIDER[type] ?? []);
    if (source !== undefined) expect([...handledProperties(source)]).toEqual(expect.arrayContaining([...SECRET_PROPERTIES[type]]));
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
    // Nor in a URL: the placeholder is never a plaintext.
    expect(redactor.text("https://h/?q=%5Bsecret%5D")).toBe("https://h/?q=%5Bsecret%5D");
  });

  it("masks 3 to 5 characters as whole tokens, 6 or more anywhere", () => {
    const redactor = new Redactor(["abc", "abcde", "abcdef"]);
    expect(redactor.text("abc xabcx abcde abcdex abcdef xabcdefx")).toBe(`${SECRET_TEXT} xabcx ${SECRET_TEXT} abcdex ${SECRET_TEXT} x${SECRET_TEXT}x`);
  });

  it("masks a plaintext percent-encoded, as it sits in a URL", () => {
    expect(new Redactor(["p@ss/word!"]).text("https://u:p%40ss%2Fword!@h")).toBe(`https://u:${SECRET_TEXT}@h`);
    expect(new Redactor(["p@ss/word!"]).text("https://h/login?next=p%40ss%2Fword!")).toBe(`https://h/login?next=${SECRET_TEXT}`);
  });

  it("masks the longest first, so a secret containing another goes whole", () => {
    expect(new Redactor(["secret1", "secret1-and-more"]).text("secret1-and-more")).toBe(SECRET_TEXT);
  });

  it("masks a short token with characters a regular expression would read otherwise", () => {
    expect(new Redactor(["a.c"]).text("a.c abc")).toBe(`${SECRET_TEXT} abc`);
  });

  it("masks every whole occurrence of a short token, not only the first", () => {
    expect(new Redactor(["q7x"]).text("q7xylophone, q7x and q7x")).toBe(`q7xylophone, ${SECRET_TEXT} and ${SECRET_TEXT}`);
  });

  it("masks the longest short token first, so one containing another goes whole, in whatever order they were found", () => {
    expect(new Redactor(["x-y", "x-y-z"]).text("x-y-z")).toBe(SECRET_TEXT);
    expect(new Redactor(["x-y-z", "x-y"]).text("x-y-z")).toBe(SECRET_TEXT);
  });

  // Two secrets of one length that overlap cannot both be masked whole: the lexically first wins, so
  // the comment is the same whichever preview revealed which secret first.
  it.each([
    ["plaintexts", ["abcdefg", "bcdefgh"], "abcdefgh", `${SECRET_TEXT}h`],
    ["short tokens", ["a-b", "b-c"], "a-b-c", `${SECRET_TEXT}-c`],
  ])("breaks a tie between overlapping %s of one length the same way whatever their order", (_kind, found, text, masked) => {
    expect(new Redactor(found).text(text)).toBe(masked);
    expect(new Redactor([...found].reverse()).text(text)).toBe(masked);
  });
});

describe("maskCredentials, at the edges of each shape", () => {
  it.each([
    // Header separators with no space, or spaces on both sides.
    ["x-api-key:abc123def", "x-api-key:[secret]"],
    ["x-api-key : abc123def", "x-api-key : [secret]"],
    ["Authorization:Basic dXNlcjpwYXNzd29yZA==", "Authorization:Basic [secret]"],
    ["Authorization:  token  abcdefghijklmnop", "Authorization:  token  [secret]"],
    ["Bearer  abcdefghijklmnop", "Bearer  [secret]"],
    ["Bearer abcdefghijkl", "Bearer [secret]"],
    // An environment entry as JSON allows it: spaced, pretty-printed, the keyword inside the name.
    ['{ "name" : "DB_PASSWORD" , "value" : "hunter2" }', '{ "name" : "DB_PASSWORD" , "value" : "[secret]" }'],
    ['{\n  "name": "SECRET_KEY_BASE",\n  "value": "hunter2"\n}', '{\n  "name": "SECRET_KEY_BASE",\n  "value": "[secret]"\n}'],
    ['{"name":"API_TOKEN","value":"with \\"escaped\\" quotes"}', '{"name":"API_TOKEN","value":"[secret]"}'],
    // key=value: spaces around the separator; a value that only starts or ends like a permission.
    ["PGPASSWORD = hunter2", "PGPASSWORD = [secret]"],
    ["password=overwrite token=readonly-deploy-key", "password=[secret] token=[secret]"],
    // A value that ends in what a reference starts with is no reference.
    ["password=hunter[secret] token=open{{", "password=[secret] token=[secret]"],
    ["postgresql://u:pw[secret]@db", "postgresql://u:[secret]@db"],
    // AWS secret keys that start or end with a hex digit, and with "/" for the digit.
    ["k aJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE1 k", "k [secret] k"],
    ["k abcdefghijABCDEFGHIJ/bcdefghijABCDEFGHIJ k", "k [secret] k"],
  ])("masks %j", (text, masked) => {
    expect(maskCredentials(text)).toBe(masked);
  });

  it.each([
    // Not 40 characters of base64 with both cases and a digit: hashes and identifiers.
    "0123456789abcdefABCDEF0123456789abcdefAB",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCD",
    "abcdefghijklmnopqrstuvwxyz0123456789abcd",
    "ABCDEFGHIJKLMNOPQRSTabcdefghijklmnopqrst",
    // Too short for a bearer credential.
    "Bearer abcdefghijk",
    // An empty variable, or one taken from elsewhere.
    '{"name":"DB_PASSWORD","value":""}',
    '{"name":"DB_PASSWORD","value":"${DB_PASSWORD}"}',
    // Headers named like an API key but not one.
    "x-api-key-id: 1234",
    "password_hint=remember",
  ])("leaves %j alone", (text) => {
    expect(maskCredentials(text)).toBe(text);
  });
});

describe("looksLikeSecretKey", () => {
  it.each(["dbPassword", "privateKey", "sshPrivateKey", "private_key", "apiKey", "api_key", "idToken", "oidcClientSecret", "urlSigningSecret", "DB_CREDENTIALS"])(
    "%s names a credential",
    (key) => expect(looksLikeSecretKey(key)).toBe(true),
  );

  it.each(["secretName", "secretArn", "tokenUrl", "passwordPolicy", "apiKeyId", "privateKeyPath", "keyName", "description"])(
    "%s names or locates one, or none",
    (key) => expect(looksLikeSecretKey(key)).toBe(false),
  );
});
