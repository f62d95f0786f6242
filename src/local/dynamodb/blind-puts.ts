/**
 * Puts that have no use for the item they replace do not read it.
 *
 * dynalite's putItem reads the stored item under the key's lock before every write: for the
 * condition (`ConditionExpression`, `Expected`), `ReturnValues: ALL_OLD`, consumed capacity
 * and the upkeep of secondary indexes (an index entry of the old item is removed). A put with
 * none of these — every PutRequest of a BatchWriteItem on a table without indexes, a plain
 * PutItem — writes exactly the same without it, so here it gets an item store whose read
 * answers "no item" while the lock, the validation and the write stay dynalite's. For a new
 * key that read is a LevelDB miss through libuv's thread pool, 25 of them per BatchWriteItem:
 * measured ~10 % of the CPU of an ingest `POST /records`.
 */

type Callback = (err: Error | null, value?: unknown) => void;

/** The part of a dynalite table description that decides whether the old item matters. */
interface TableDescription {
  LocalSecondaryIndexes?: unknown[];
  GlobalSecondaryIndexes?: unknown[];
}

/** dynalite's item sub-db (db/index.js createPrefixedDbWrapper, with its per-key lock). */
interface ItemDb {
  get(key: string, callback: Callback): void;
}

/** The part of dynalite's store putItem uses (db/index.js create()). */
interface PutItemStore {
  getTable(name: string, checkStatus: boolean | Callback, callback?: Callback): void;
  getItemDb(name: string): ItemDb;
}

/** A PutItem request after dynalite's validation (which turns ConditionExpression into `_condition`). */
interface PutItemData {
  TableName: string;
  Expected?: unknown;
  ConditionExpression?: unknown;
  _condition?: unknown;
  ReturnValues?: string;
  ReturnConsumedCapacity?: string;
}

export type PutItemAction = (store: PutItemStore, data: PutItemData, cb: Callback) => void;

const needsStoredItem = (data: PutItemData): boolean =>
  data.Expected !== undefined ||
  data.ConditionExpression !== undefined ||
  data._condition !== undefined ||
  data.ReturnValues === 'ALL_OLD' ||
  data.ReturnConsumedCapacity === 'TOTAL' ||
  data.ReturnConsumedCapacity === 'INDEXES';

const hasIndexes = (table: TableDescription): boolean =>
  (table.LocalSecondaryIndexes?.length ?? 0) > 0 || (table.GlobalSecondaryIndexes?.length ?? 0) > 0;

/**
 * The store one put sees: it learns the table from dynalite's own getTable call (putItem's
 * first step) and hands out the item db without reads only for a table without indexes.
 */
function storeWithoutReads(store: PutItemStore): PutItemStore {
  let indexed = true;
  return Object.assign(Object.create(store) as PutItemStore, {
    getTable(name: string, checkStatus: boolean | Callback, callback?: Callback) {
      const cb = (typeof checkStatus === 'function' ? checkStatus : callback) as Callback;
      const seen: Callback = (err, table) => {
        if (!err) indexed = hasIndexes(table as TableDescription);
        cb(err, table);
      };
      if (typeof checkStatus === 'function') store.getTable(name, seen);
      else store.getTable(name, checkStatus, seen);
    },
    getItemDb(name: string): ItemDb {
      const itemDb = store.getItemDb(name);
      if (indexed) return itemDb;
      return Object.assign(Object.create(itemDb) as ItemDb, {
        get: (_key: string, cb: Callback) => cb(null, undefined),
      });
    },
  });
}

/** dynalite's putItem, skipping the read of the stored item where nothing uses it. */
export function withBlindPuts(putItem: PutItemAction): PutItemAction {
  return function putItemBlind(store, data, cb) {
    putItem(needsStoredItem(data) ? store : storeWithoutReads(store), data, cb);
  };
}
