/**
 * The peer of the write path (issue 12): the same two commands (register a product, receive stock)
 * on Emmett's PostgreSQL event store, with the same pure decider (libs/domain productDecider) behind
 * Emmett's DeciderCommandHandler, an inline projection (a products row, in the append's transaction)
 * and Express. What a Node team would pick instead of Kafka as the store. It has none of this
 * project's idempotency (Idempotency-Key) or request validation layer; errors are mapped coarsely.
 *
 *   PORT=3120 DATABASE_URL=postgres://… node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/peers/emmett-app.ts
 */
import { randomUUID } from 'node:crypto';
import express from 'express';
import { Pool } from 'pg';
import { DeciderCommandHandler, type Command, type Event } from '@event-driven-io/emmett';
import { getPostgreSQLEventStore, postgreSQLRawSQLProjection } from '@event-driven-io/emmett-postgresql';
import { SQL } from '@event-driven-io/dumbo';
import { isDomainError, productDecider, toErrorPayload, type ProductCommand, type ProductEvent, type ProductState } from '@es/domain';

type EmmettCommand = Command<string, Record<string, unknown>> & ProductCommand;
type EmmettEvent = Event<string, Record<string, unknown>> & ProductEvent;

const STATUS: Record<string, number> = { VALIDATION: 400, NOT_FOUND: 404, CONFLICT: 409, CONCURRENCY: 409 };

async function main() {
  const url = process.env.DATABASE_URL!;
  const pool = new Pool({ connectionString: url, max: 10 });
  await pool.query(`CREATE TABLE IF NOT EXISTS peer_products (sku text PRIMARY KEY, name text NOT NULL, on_hand integer NOT NULL, version integer NOT NULL)`);

  const products = postgreSQLRawSQLProjection<EmmettEvent>({
    name: 'peer_products',
    canHandle: ['ProductRegistered', 'StockReceived'],
    evolve: (event) => {
      const data = event.data as { sku: string; name?: string; quantity?: number };
      return event.type === 'ProductRegistered'
        ? SQL`INSERT INTO peer_products (sku, name, on_hand, version) VALUES (${data.sku}, ${data.name}, 0, 1)`
        : SQL`UPDATE peer_products SET on_hand = on_hand + ${data.quantity}, version = version + 1 WHERE sku = ${data.sku}`;
    },
  });
  const store = getPostgreSQLEventStore(url, { projections: [{ type: 'inline', projection: products }] as never });
  const handle = DeciderCommandHandler<ProductState, EmmettCommand, EmmettEvent>({
    decide: (command, state) => productDecider.decide(command, state) as EmmettEvent[],
    evolve: (state, event) => productDecider.evolve(state, event),
    initialState: () => productDecider.initialState(),
    mapToStreamId: (sku) => `product-${sku}`,
  });

  const run = async (res: express.Response, sku: string, type: 'RegisterProduct' | 'ReceiveStock', data: Record<string, unknown>, created: boolean) => {
    const command = {
      type,
      data,
      metadata: { commandId: randomUUID(), correlationId: randomUUID(), now: new Date().toISOString() },
    } as unknown as EmmettCommand;
    try {
      const result = await handle(store, sku, command);
      res.status(created ? 201 : 200).json({ sku, version: result.newState.version, position: String(result.nextExpectedStreamVersion) });
    } catch (error) {
      if (isDomainError(error)) {
        const payload = toErrorPayload(error);
        res.status(STATUS[payload.code] ?? 409).json(payload);
      } else {
        res.status(500).json({ message: (error as Error).message });
      }
    }
  };

  const app = express();
  app.use(express.json({ limit: '64kb' }));
  app.post('/products', (req, res) => {
    const { sku, name } = req.body ?? {};
    if (typeof sku !== 'string' || typeof name !== 'string') return void res.status(400).json({ message: 'sku and name are required strings' });
    void run(res, sku, 'RegisterProduct', { sku, name }, true);
  });
  app.post('/products/:sku/stock', (req, res) => {
    const { quantity } = req.body ?? {};
    if (!Number.isInteger(quantity) || quantity <= 0) return void res.status(400).json({ message: 'quantity must be a positive integer' });
    void run(res, req.params.sku, 'ReceiveStock', { sku: req.params.sku, quantity }, false);
  });
  app.get('/products/:sku', async (req, res) => {
    const { rows } = await pool.query('SELECT sku, name, on_hand AS "onHand", version FROM peer_products WHERE sku = $1', [req.params.sku]);
    if (rows.length === 0) return void res.status(404).json({ message: 'not found' });
    res.json(rows[0]);
  });
  app.get('/health', (_req, res) => void res.json({ status: 'ok' }));
  const port = Number(process.env.PORT ?? 3120);
  const server = app.listen(port, '127.0.0.1');
  const stop = async () => {
    server.close();
    await store.close();
    await pool.end();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
