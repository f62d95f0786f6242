/**
 * A shortcut through dynalite's request type check for PutItem and BatchWriteItem, the two
 * calls the pipelines send in bulk.
 *
 * dynalite's `checkTypes` rebuilds the whole request (every item, every attribute value)
 * while it checks it, coercing what DynamoDB's Java front end would coerce (`"true"` for a
 * BOOL, nulls dropped, unknown members dropped) and throwing SerializationExceptions for
 * the rest; profiled under BatchWriteItem load it was ~15 % of the endpoint's busy time.
 * For a request that is already in canonical form — only known members, no nulls, every
 * value of exactly the JSON type the member has, every attribute value with exactly one
 * member — that rebuild returns the same structure, so such a request is passed on as it
 * is. Anything else (binaries, `Expected`, `__proto__` keys, coercible or wrong types,
 * nesting deeper than DynamoDB allows, …) goes through dynalite's own check, so every
 * error a client can get is still dynalite's. dynalite's validations (sizes, key schema,
 * nesting, duplicates) run after this and are untouched.
 */

type Json = unknown;
type Check = (value: Json) => boolean;
type Plain = Record<string, Json>;

/** dynalite's validations/index.js. */
export interface DynaliteValidations {
  checkTypes(data: Json, types: object): Json;
}

/** Deeper than DynamoDB's 32 levels: dynalite's own check reports it. */
const MAX_DEPTH = 32;

const isPlain = (value: Json): value is Plain =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isString: Check = (value) => typeof value === 'string';
const isStringList: Check = (value) => Array.isArray(value) && value.every(isString);

/** An attribute value dynalite's check would return unchanged; binaries take the full check (base64 rules). */
function isCanonicalValue(value: Json, depth: number): boolean {
  if (!isPlain(value)) return false;
  let members = 0;
  for (const member in value) {
    if (++members > 1) return false;
    const inner = value[member];
    switch (member) {
      case 'S':
      case 'N':
        if (typeof inner !== 'string') return false;
        break;
      case 'BOOL':
      case 'NULL':
        if (typeof inner !== 'boolean') return false;
        break;
      case 'SS':
      case 'NS':
        if (!isStringList(inner)) return false;
        break;
      case 'L':
        if (!Array.isArray(inner) || depth >= MAX_DEPTH) return false;
        for (const element of inner) if (!isCanonicalValue(element, depth + 1)) return false;
        break;
      case 'M':
        if (depth >= MAX_DEPTH || !isCanonicalMap(inner, depth + 1)) return false;
        break;
      default:
        return false;
    }
  }
  return members === 1;
}

/** A map of attribute values (an Item, a Key, ExpressionAttributeValues). */
function isCanonicalMap(value: Json, depth = 0): boolean {
  if (!isPlain(value)) return false;
  // A `__proto__` member would set the prototype of dynalite's rebuilt map instead of a key.
  for (const key in value) if (key === '__proto__' || !isCanonicalValue(value[key], depth)) return false;
  return true;
}

const isStringMap: Check = (value) => {
  if (!isPlain(value)) return false;
  for (const key in value) if (key === '__proto__' || typeof value[key] !== 'string') return false;
  return true;
};

/** A struct with only the given members, each present one passing its check. */
const struct =
  (members: Readonly<Record<string, Check>>, exactlyOne = false): Check =>
  (value) => {
    if (!isPlain(value)) return false;
    let count = 0;
    for (const key in value) {
      const check = Object.hasOwn(members, key) ? members[key] : undefined;
      if (!check?.(value[key])) return false;
      count++;
    }
    return !exactlyOne || count === 1;
  };

const writeRequest = struct(
  {
    PutRequest: struct({ Item: (item) => isCanonicalMap(item) }),
    DeleteRequest: struct({ Key: (key) => isCanonicalMap(key) }),
  },
  true,
);

const requestItems: Check = (value) => {
  if (!isPlain(value)) return false;
  for (const table in value) {
    const writes = value[table];
    if (table === '__proto__' || !Array.isArray(writes)) return false;
    for (const write of writes) if (!writeRequest(write)) return false;
  }
  return true;
};

/** Top-level members per action, as dynalite's validations/<action>.js types them. */
const REQUESTS: Readonly<Record<'putItem' | 'batchWriteItem', Readonly<Record<string, Check>>>> = {
  putItem: {
    TableName: isString,
    Item: (item) => isCanonicalMap(item),
    ConditionExpression: isString,
    ExpressionAttributeNames: isStringMap,
    ExpressionAttributeValues: (values) => isCanonicalMap(values),
    ReturnValues: isString,
    ReturnConsumedCapacity: isString,
    ReturnItemCollectionMetrics: isString,
    ConditionalOperator: isString,
  },
  batchWriteItem: {
    RequestItems: requestItems,
    ReturnConsumedCapacity: isString,
    ReturnItemCollectionMetrics: isString,
  },
};

/**
 * What dynalite's checkTypes returns for `data` when `data` is canonical for `action`
 * (its members in the order of dynalite's types, values as they are), or undefined.
 */
export function canonicalRequest(
  data: Json,
  action: keyof typeof REQUESTS,
  types: object,
): Plain | undefined {
  if (!isPlain(data)) return undefined;
  const members = REQUESTS[action];
  for (const key in data) {
    const check = Object.hasOwn(members, key) ? members[key] : undefined;
    if (!check?.(data[key])) return undefined;
  }
  const out: Plain = {};
  for (const key of Object.keys(types)) if (Object.hasOwn(data, key)) out[key] = data[key];
  return out;
}

/**
 * Routes dynalite's type check for PutItem and BatchWriteItem (recognised by their types
 * objects) through canonicalRequest first. dynalite calls it as `validations.checkTypes`,
 * so replacing the export is enough; its internal recursion is unchanged.
 */
export function installFastTypeChecks(
  validations: DynaliteValidations,
  types: Readonly<Record<keyof typeof REQUESTS, object>>,
): void {
  const original = validations.checkTypes;
  if ((original as { fast?: true }).fast) return;
  const actions = new Map<object, keyof typeof REQUESTS>([
    [types.putItem, 'putItem'],
    [types.batchWriteItem, 'batchWriteItem'],
  ]);
  const checkTypes = (data: Json, actionTypes: object): Json => {
    const action = actions.get(actionTypes);
    return (action && canonicalRequest(data, action, actionTypes)) ?? original(data, actionTypes);
  };
  validations.checkTypes = Object.assign(checkTypes, { fast: true as const });
}
