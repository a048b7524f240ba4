/** One product of the inventory read model, as folded from its events. */
export interface ProductStockRow {
  readonly sku: string;
  readonly name: string;
  readonly onHand: number;
  readonly reserved: number;
  /** Aggregate version of the last applied event: the per-row duplicate guard. */
  readonly version: number;
}
