/**
 * The contract's validation list (docs/api.md, "Validation"), in one place so the DTOs,
 * the OpenAPI schema and the tests cannot drift apart.
 */
export const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const SKU_MESSAGE = "must be 1–64 characters of letters, digits, '.', '_' or '-', starting with a letter or digit";

export const NAME_MAX_LENGTH = 200;
export const CUSTOMER_ID_MAX_LENGTH = 64;
export const CANCEL_REASON_MAX_LENGTH = 500;

export const QUANTITY_MIN = 1;
export const QUANTITY_MAX = 1_000_000;
export const UNIT_PRICE_CENTS_MIN = 0;
export const UNIT_PRICE_CENTS_MAX = 100_000_000;

export const LINES_MIN = 1;
export const LINES_MAX = 100;

export const IDEMPOTENCY_KEY_MAX_LENGTH = 200;
