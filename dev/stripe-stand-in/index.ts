export { startStripeStandIn, type StripeStandIn, type StripeStandInOptions, type StandInRequest } from './server';
export { buildStripeObject, type StandInObjectKind } from './objects';
