import type { MigrationInterface } from 'typeorm';
import type { BoundedContext } from '@es/domain';
import { InventoryReadModel1764230500000 } from '../migrations/inventory/1764230500000-inventory-read-model.migration';
import { OrdersReadModel1764230500000 } from '../migrations/orders/1764230500000-orders-read-model.migration';
import { EVENT_INDEX_PROJECTIONS, type EventIndexProjectionName } from '../event-index/event-index.catalog';

export type ProjectionName = 'orders' | 'inventory' | EventIndexProjectionName;
/** The event topic a projection reads is a bounded context's (the domain's one list). */
export type ProjectionContext = BoundedContext;

export interface ProjectionInfo {
  readonly name: ProjectionName;
  /** The event topic (bounded context) the projection reads. */
  readonly context: ProjectionContext;
  /** Migrations that build one version's schema; the same list builds v1, v2 … side by side. */
  readonly migrations: (new () => MigrationInterface)[];
  /**
   * The event index of its context (issue 10): read only by the /streams and /correlations
   * endpoints, so the other read endpoints' X-Min-Position does not wait for it.
   */
  readonly eventIndex?: true;
}

/** Every projection the system knows (contract: projection names `orders`, `inventory`). */
export const PROJECTIONS: Readonly<Record<ProjectionName, ProjectionInfo>> = {
  orders: { name: 'orders', context: 'orders', migrations: [OrdersReadModel1764230500000] },
  inventory: { name: 'inventory', context: 'inventory', migrations: [InventoryReadModel1764230500000] },
  ...EVENT_INDEX_PROJECTIONS,
};

export const PROJECTION_NAMES = Object.keys(PROJECTIONS) as ProjectionName[];

export function isProjectionName(name: string): name is ProjectionName {
  return Object.prototype.hasOwnProperty.call(PROJECTIONS, name);
}

/** `<ns>_<projection>_v<version>`: each projection version lives in its own schema (blue/green). */
export function projectionSchema(namespace: string, projection: string, version: number): string {
  return `${namespace}_${projection}_v${version}`;
}

/** Channel the projectors NOTIFY after each committed batch; read-your-writes LISTENs on it. */
export function checkpointChannel(namespace: string): string {
  return `${namespace}_checkpoints`;
}
