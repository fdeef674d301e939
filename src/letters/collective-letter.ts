// Placeholder, replaced by digests and scheduled letters (issue 10, part C).
import type { DeliveryComposer } from './delivery-kinds.ts';

export const composeCollectiveLetter: DeliveryComposer = async () => {
  throw new Error('digests and scheduled letters are not built yet');
};
