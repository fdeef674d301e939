// Placeholder, replaced by the delivery of letters per signature (issue 10, part B).
import type { DeliveryComposer } from './delivery-kinds.ts';

export const composeSignatureLetter: DeliveryComposer = async () => {
  throw new Error('letters per signature are not built yet');
};
