// Application state: an immer-based store with an event bus (eventemitter3), derived streams with
// rxjs (synchronous sources only: no scheduler, no timer), and an LRU cache of computed views.
import EventEmitter from 'eventemitter3';
import { produce, Draft, enablePatches, produceWithPatches, applyPatches, Patch } from 'immer';
import { LRUCache } from 'lru-cache';
import { from, Observable, Subject, BehaviorSubject } from 'rxjs';
import { bufferCount, distinctUntilChanged, filter, map, reduce, scan, toArray } from 'rxjs/operators';
import { int, pick, Random, word } from './random';

enablePatches();

export interface Product {
  sku: string;
  name: string;
  price: number;
  stock: number;
}

export interface CartLine {
  sku: string;
  quantity: number;
}

export interface State {
  products: Record<string, Product>;
  cart: CartLine[];
  orders: { id: number; lines: CartLine[]; total: number }[];
  log: string[];
}

export type Action =
  | { type: 'add'; sku: string; quantity: number }
  | { type: 'remove'; sku: string }
  | { type: 'restock'; sku: string; quantity: number }
  | { type: 'checkout' };

export function sampleCatalog(random: Random, products: number): Record<string, Product> {
  const out: Record<string, Product> = {};
  for (let i = 0; i < products; i++) {
    const sku = `${word(random).toUpperCase()}-${i}`;
    out[sku] = { sku, name: `${word(random)} ${word(random)}`, price: int(random, 100, 99_999) / 100, stock: int(random, 0, 50) };
  }
  return out;
}

export function sampleActions(random: Random, catalog: Record<string, Product>, count: number): Action[] {
  const skus = Object.keys(catalog);
  return Array.from({ length: count }, (): Action => {
    const roll = random();
    if (roll < 0.55) return { type: 'add', sku: pick(random, skus), quantity: int(random, 1, 4) };
    if (roll < 0.7) return { type: 'remove', sku: pick(random, skus) };
    if (roll < 0.85) return { type: 'restock', sku: pick(random, skus), quantity: int(random, 1, 20) };
    return { type: 'checkout' };
  });
}

function apply(draft: Draft<State>, action: Action): void {
  switch (action.type) {
    case 'add': {
      const product = draft.products[action.sku];
      const line = draft.cart.find((l) => l.sku === action.sku);
      const wanted = (line?.quantity ?? 0) + action.quantity;
      if (!product || wanted > product.stock) {
        draft.log.push(`refused ${action.sku}`);
        return;
      }
      if (line) line.quantity = wanted;
      else draft.cart.push({ sku: action.sku, quantity: action.quantity });
      return;
    }
    case 'remove':
      draft.cart = draft.cart.filter((l) => l.sku !== action.sku);
      return;
    case 'restock':
      if (draft.products[action.sku]) draft.products[action.sku].stock += action.quantity;
      return;
    case 'checkout': {
      if (draft.cart.length === 0) return;
      const total = draft.cart.reduce((sum, l) => sum + draft.products[l.sku].price * l.quantity, 0);
      for (const l of draft.cart) draft.products[l.sku].stock -= l.quantity;
      draft.orders.push({ id: draft.orders.length + 1, lines: draft.cart, total: Math.round(total * 100) / 100 });
      draft.cart = [];
    }
  }
}

export const reducer = (state: State, action: Action): State => produce(state, (draft: Draft<State>) => apply(draft, action));

export class Store {
  readonly events = new EventEmitter<{ change: [State, Action]; order: [State['orders'][number]] }>();
  readonly state$: BehaviorSubject<State>;
  private readonly history: Patch[][] = [];

  constructor(initial: State) {
    this.state$ = new BehaviorSubject(initial);
  }

  get state(): State {
    return this.state$.value;
  }

  dispatch(action: Action): void {
    const before = this.state;
    const [after, , inverse] = produceWithPatches(before, (draft: Draft<State>) => apply(draft, action));
    if (after === before) return;
    this.history.push(inverse);
    this.state$.next(after);
    this.events.emit('change', after, action);
    if (after.orders.length > before.orders.length) this.events.emit('order', after.orders[after.orders.length - 1]);
  }

  undo(): boolean {
    const patches = this.history.pop();
    if (!patches) return false;
    this.state$.next(applyPatches(this.state, patches));
    return true;
  }
}

export const emptyState = (products: Record<string, Product>): State => ({ products, cart: [], orders: [], log: [] });

/** Running revenue after each order, from the store's stream. */
export function revenue$(store: Store): Observable<number> {
  return store.state$.pipe(
    map((s) => s.orders.length),
    distinctUntilChanged(),
    map(() => store.state.orders.reduce((sum, o) => sum + o.total, 0)),
    scan((_, total) => Math.round(total * 100) / 100, 0),
  );
}

export function batchTotals(values: number[], size: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    from(values)
      .pipe(
        filter((v) => Number.isFinite(v)),
        bufferCount(size),
        map((batch) => batch.reduce((a, b) => a + b, 0)),
        toArray(),
      )
      .subscribe({ next: resolve, error: reject });
  });
}

export function countWhere<T>(values: T[], predicate: (value: T) => boolean): Promise<number> {
  return new Promise((resolve) => {
    from(values)
      .pipe(
        filter(predicate),
        reduce((n) => n + 1, 0),
      )
      .subscribe(resolve);
  });
}

export function channel<T>(): { subject: Subject<T>; received: T[] } {
  const subject = new Subject<T>();
  const received: T[] = [];
  subject.subscribe((value) => received.push(value));
  return { subject, received };
}

/** A memoised view over the catalog: prices with tax, per sku, in an LRU. */
export class PriceView {
  readonly cache: LRUCache<string, { gross: number; label: string }>;
  misses = 0;

  constructor(private readonly store: Store, max: number, private readonly taxRate = 0.2) {
    this.cache = new LRUCache({ max });
    store.events.on('change', (_state, action) => {
      if (action.type === 'restock') this.cache.delete(action.sku);
    });
  }

  price(sku: string): { gross: number; label: string } {
    const cached = this.cache.get(sku);
    if (cached) return cached;
    this.misses++;
    const product = this.store.state.products[sku];
    const gross = Math.round(product.price * (1 + this.taxRate) * 100) / 100;
    const view = { gross, label: `${product.name} (${gross.toFixed(2)} EUR, ${product.stock} left)` };
    this.cache.set(sku, view);
    return view;
  }
}
