import type { Command, CommandIssuer } from '../shared/message';

export const INVENTORY_CONTEXT = 'inventory';
export const PRODUCT_AGGREGATE_TYPE = 'Product';

export type RegisterProduct = Command<'RegisterProduct', { readonly sku: string; readonly name: string }>;

/** Renames a registered product; the sku (its identity) never changes. */
export type RenameProduct = Command<'RenameProduct', { readonly sku: string; readonly name: string }>;

export type ReceiveStock = Command<'ReceiveStock', { readonly sku: string; readonly quantity: number }>;

export type ReserveStock = Command<'ReserveStock', { readonly sku: string; readonly orderId: string; readonly quantity: number }>;

export type ReleaseStock = Command<'ReleaseStock', { readonly sku: string; readonly orderId: string }>;

export type CommitStock = Command<'CommitStock', { readonly sku: string; readonly orderId: string }>;

export type ProductCommand = RegisterProduct | RenameProduct | ReceiveStock | ReserveStock | ReleaseStock | CommitStock;

export type ProductCommandType = ProductCommand['type'];

// Keyed by the union: the compiler rejects a table that misses or invents a type. The value says
// who issues the command (a `client` command needs an endpoint in the command API).
export const PRODUCT_COMMAND_ISSUERS = Object.freeze({
  RegisterProduct: 'client',
  RenameProduct: 'client',
  ReceiveStock: 'client',
  ReserveStock: 'process',
  ReleaseStock: 'process',
  CommitStock: 'process',
} as const satisfies Record<ProductCommandType, CommandIssuer>);

export const PRODUCT_COMMAND_TYPES = Object.freeze(Object.keys(PRODUCT_COMMAND_ISSUERS) as ProductCommandType[]);

export function isProductCommandType(type: string): type is ProductCommandType {
  return Object.prototype.hasOwnProperty.call(PRODUCT_COMMAND_ISSUERS, type);
}

/** The Product stream is keyed by sku: commands and events of one product share a partition. */
export function productAggregateIdOf(command: Pick<ProductCommand, 'data'>): string {
  return command.data.sku;
}
