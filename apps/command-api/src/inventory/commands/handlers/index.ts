import { ReceiveStockHandler } from './receive-stock.handler';
import { RegisterProductHandler } from './register-product.handler';

export const CommandHandlers = [RegisterProductHandler, ReceiveStockHandler];
