// OpenAPI v3 document for apiextensions.k8s.io/v1 CustomResourceDefinition, as served by the fake API server
// (test/helpers/fake-kube-api.ts). Written from the Kubernetes API reference for CRDs and JSONSchemaProps.

const P = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const ref = (name: string) => ({ allOf: [{ $ref: `#/components/schemas/${name}` }] });
const str = { type: 'string' };
const bool = { type: 'boolean' };
const int = { type: 'integer', format: 'int64' };
const strList = { type: 'array', items: str };
const strMap = { type: 'object', additionalProperties: str };
const any = {};

function jsonSchemaProps(): Record<string, unknown> {
  const self = ref(`${P}JSONSchemaProps`);
  return {
    type: 'object',
    properties: {
      $ref: str, $schema: str, additionalItems: any, additionalProperties: any,
      allOf: { type: 'array', items: self }, anyOf: { type: 'array', items: self }, oneOf: { type: 'array', items: self }, not: self,
      default: any, definitions: { type: 'object', additionalProperties: self }, dependencies: { type: 'object', additionalProperties: any },
      description: str, enum: { type: 'array', items: any }, example: any, exclusiveMaximum: bool, exclusiveMinimum: bool,
      externalDocs: { type: 'object', properties: { description: str, url: str } }, format: str, id: str, items: any,
      maxItems: int, maxLength: int, maxProperties: int, maximum: { type: 'number' }, minItems: int, minLength: int,
      minProperties: int, minimum: { type: 'number' }, multipleOf: { type: 'number' }, nullable: bool, pattern: str,
      patternProperties: { type: 'object', additionalProperties: self }, properties: { type: 'object', additionalProperties: self },
      required: strList, title: str, type: str, uniqueItems: bool,
      'x-kubernetes-embedded-resource': bool, 'x-kubernetes-int-or-string': bool, 'x-kubernetes-list-map-keys': strList,
      'x-kubernetes-list-type': str, 'x-kubernetes-map-type': str, 'x-kubernetes-preserve-unknown-fields': bool,
      'x-kubernetes-validations': { type: 'array', items: { type: 'object', required: ['rule'], properties: {
        rule: str, message: str, messageExpression: str, reason: str, fieldPath: str, optionalOldSelf: bool } } },
    },
  };
}

/** The same schemas as a Swagger 2.0 document (/openapi/v2), which kubectl falls back to. */
export function crdSwagger(): Record<string, unknown> {
  const v3 = crdOpenApi() as { components: { schemas: Record<string, unknown> } };
  const text = JSON.stringify(v3.components.schemas)
    .replace(/\{"allOf":\[\{"\$ref":"#\/components\/schemas\/([^"]+)"\}\]\}/g, '{"$ref":"#/definitions/$1"}');
  return { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths: {}, definitions: JSON.parse(text) as unknown };
}

export function crdOpenApi(): Record<string, unknown> {
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    // Declaring server-side field validation on PATCH makes kubectl defer strict field checks to the server,
    // as it does against a real API server; the structural rules are checked by test/api/crds.test.ts.
    paths: {
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}': {
        patch: {
          parameters: [{ name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } }],
          'x-kubernetes-group-version-kind': { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition', version: 'v1' },
          'x-kubernetes-action': 'patch',
        },
      },
    },
    components: {
      schemas: {
        [`${P}CustomResourceDefinition`]: {
          type: 'object', required: ['spec'],
          properties: { apiVersion: str, kind: str, metadata: ref(`${META}ObjectMeta`), spec: ref(`${P}CustomResourceDefinitionSpec`), status: { type: 'object' } },
          'x-kubernetes-group-version-kind': [{ group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition', version: 'v1' }],
        },
        [`${P}CustomResourceDefinitionSpec`]: {
          type: 'object', required: ['group', 'names', 'scope', 'versions'],
          properties: {
            group: str, names: ref(`${P}CustomResourceDefinitionNames`), scope: str, preserveUnknownFields: bool,
            versions: { type: 'array', items: ref(`${P}CustomResourceDefinitionVersion`) },
            conversion: { type: 'object', properties: { strategy: str, webhook: { type: 'object' } } },
          },
        },
        [`${P}CustomResourceDefinitionNames`]: {
          type: 'object', required: ['plural', 'kind'],
          properties: { categories: strList, kind: str, listKind: str, plural: str, shortNames: strList, singular: str },
        },
        [`${P}CustomResourceDefinitionVersion`]: {
          type: 'object', required: ['name', 'served', 'storage'],
          properties: {
            name: str, served: bool, storage: bool, deprecated: bool, deprecationWarning: str,
            additionalPrinterColumns: { type: 'array', items: { type: 'object', required: ['name', 'type', 'jsonPath'],
              properties: { name: str, type: str, jsonPath: str, description: str, format: str, priority: { type: 'integer', format: 'int32' } } } },
            schema: { type: 'object', properties: { openAPIV3Schema: ref(`${P}JSONSchemaProps`) } },
            selectableFields: { type: 'array', items: { type: 'object', properties: { jsonPath: str } } },
            subresources: { type: 'object', properties: { status: { type: 'object' }, scale: { type: 'object',
              properties: { specReplicasPath: str, statusReplicasPath: str, labelSelectorPath: str } } } },
          },
        },
        [`${P}JSONSchemaProps`]: jsonSchemaProps(),
        [`${META}ObjectMeta`]: {
          type: 'object',
          properties: { name: str, generateName: str, namespace: str, labels: strMap, annotations: strMap, uid: str, resourceVersion: str,
            finalizers: strList, generation: int },
        },
      },
    },
  };
}
