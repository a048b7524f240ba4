import { CancelOrderHandler } from './cancel-order.handler';
import { PlaceOrderHandler } from './place-order.handler';
import { ShipOrderHandler } from './ship-order.handler';

export const CommandHandlers = [PlaceOrderHandler, CancelOrderHandler, ShipOrderHandler];
