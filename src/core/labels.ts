// Kubernetes' label rules, shared by the store (every create/update refuses a bad label), the manifest linter
// (file:line:column before anything is sent) and the controller (workflowMetadata labels). A key is `[prefix/]name`;
// name and value are at most 63 characters of [A-Za-z0-9-_.] starting and ending with a letter or digit (a value
// may also be empty); the prefix is a lowercase DNS subdomain of at most 253 characters.

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `key` is not a Kubernetes label key (`[prefix/]name`), or undefined when it is one. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return 'its prefix must be a lowercase DNS subdomain of at most 253 characters';
  }
  if (name === '' || name.length > 63 || !LABEL_NAME.test(name)) {
    return 'its name must be 1-63 characters of [A-Za-z0-9-_.], starting and ending with a letter or digit (an optional DNS prefix ends with "/")';
  }
  return undefined;
}

/** Why `value` is not a Kubernetes label value, or undefined when it is one (the empty string is valid). */
export function labelValueProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `it must be a string, got ${value === null ? 'null' : typeof value}`;
  if (value === '') return undefined;
  if (value.length > 63) return `it is ${value.length} characters long; at most 63 are allowed`;
  if (!LABEL_NAME.test(value)) return 'it must consist of [A-Za-z0-9-_.] and start and end with a letter or digit';
  return undefined;
}
