/** POST /orders/{orderId}/ship takes an empty object (or no body): any field is an unknown field. */
export class ShipOrderDto {}
