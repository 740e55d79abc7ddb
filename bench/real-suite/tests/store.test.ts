import { batchTotals, channel, countWhere, emptyState, PriceView, reducer, revenue$, sampleActions, sampleCatalog, Store } from '../lib/store';
import { seeded } from '../lib/random';

const SEED = 1;
const SCALE = 1;

describe('store', () => {
  const random = seeded(SEED);
  const catalog = sampleCatalog(random, 60 * SCALE);
  const actions = sampleActions(random, catalog, 300 * SCALE);

  test('never sells more than the stock', () => {
    const state = actions.reduce(reducer, emptyState(catalog));
    for (const product of Object.values(state.products)) expect(product.stock).toBeGreaterThanOrEqual(0);
  });

  test('keeps the initial state untouched', () => {
    const initial = emptyState(catalog);
    const frozen = JSON.stringify(initial);
    actions.reduce(reducer, initial);
    expect(JSON.stringify(initial)).toBe(frozen);
  });

  test('shares unchanged products between states', () => {
    const before = emptyState(catalog);
    const sku = Object.keys(catalog)[0];
    const after = reducer(before, { type: 'restock', sku, quantity: 1 });
    const other = Object.keys(catalog)[1];
    expect(after.products[other]).toBe(before.products[other]);
    expect(after.products[sku]).not.toBe(before.products[sku]);
  });

  test('emits an event per order', () => {
    const store = new Store(emptyState(catalog));
    const orders: number[] = [];
    store.events.on('order', (order) => orders.push(order.id));
    for (const action of actions) store.dispatch(action);
    expect(orders).toEqual(store.state.orders.map((o) => o.id));
  });

  test('undoes every action back to the start', () => {
    const initial = emptyState(catalog);
    const store = new Store(initial);
    for (const action of actions.slice(0, 80)) store.dispatch(action);
    while (store.undo());
    expect(store.state).toEqual(initial);
  });

  test('streams the running revenue', () => {
    const store = new Store(emptyState(catalog));
    const totals: number[] = [];
    const subscription = revenue$(store).subscribe((total) => totals.push(total));
    for (const action of actions) store.dispatch(action);
    subscription.unsubscribe();
    expect(totals[0]).toBe(0);
    for (let i = 1; i < totals.length; i++) expect(totals[i]).toBeGreaterThanOrEqual(totals[i - 1]);
  });

  test('caches price views and drops them on restock', () => {
    const store = new Store(emptyState(catalog));
    const view = new PriceView(store, 20);
    const skus = Object.keys(catalog).slice(0, 10);
    for (let round = 0; round < 5; round++) for (const sku of skus) view.price(sku);
    expect(view.misses).toBe(10);
    store.dispatch({ type: 'restock', sku: skus[0], quantity: 5 });
    view.price(skus[0]);
    expect(view.misses).toBe(11);
  });

  test('evicts the least recently used views', () => {
    const store = new Store(emptyState(catalog));
    const view = new PriceView(store, 16);
    for (const sku of Object.keys(catalog)) view.price(sku);
    expect(view.cache.size).toBe(16);
    expect(view.cache.has(Object.keys(catalog)[0])).toBe(false);
  });

  test('sums values in batches', async () => {
    const values = Array.from({ length: 1000 * SCALE }, () => Math.floor(random() * 100));
    const totals = await batchTotals(values, 50);
    expect(totals).toHaveLength(20 * SCALE);
    expect(totals.reduce((a, b) => a + b, 0)).toBe(values.reduce((a, b) => a + b, 0));
  });

  test('counts matching orders through a stream', async () => {
    const state = actions.reduce(reducer, emptyState(catalog));
    const big = await countWhere(state.orders, (o) => o.total > 100);
    expect(big).toBe(state.orders.filter((o) => o.total > 100).length);
    const { subject, received } = channel<number>();
    state.orders.forEach((o) => subject.next(o.id));
    subject.complete();
    expect(received).toHaveLength(state.orders.length);
  });

  test('keeps the shape of an order stable', () => {
    const small = sampleCatalog(seeded(SEED), 3);
    const sku = Object.keys(small).find((s) => small[s].stock > 0) ?? Object.keys(small)[0];
    const state = [{ type: 'restock' as const, sku, quantity: 2 }, { type: 'add' as const, sku, quantity: 1 }, { type: 'checkout' as const }].reduce(reducer, emptyState(small));
    expect(state.orders.map((o) => Object.keys(o).sort())).toMatchSnapshot();
  });
});
