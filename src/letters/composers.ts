// Which composer makes the email of each kind of delivery (delivery-kinds.ts).
import { composeCollectiveLetter } from './collective-letter.ts';
import type { DeliveryComposer, DeliveryKind } from './delivery-kinds.ts';
import { composeSignatureLetter } from './signature-letter.ts';

export const composers: Record<DeliveryKind, DeliveryComposer> = {
  signature: composeSignatureLetter,
  digest: composeCollectiveLetter,
  scheduled: composeCollectiveLetter,
};
