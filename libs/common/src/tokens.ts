/** Injection tokens shared by every app. */
export const APP_CONFIG = Symbol('APP_CONFIG');
