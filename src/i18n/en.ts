// English, assembled from one dictionary per part of the product, so that each
// feature keeps its strings beside the others without editing one long file.
import { admin } from './en/admin.ts';
import { adminDashboard } from './en/admin-dashboard.ts';
import { adminImages } from './en/admin-images.ts';
import { adminActions } from './en/admin-actions.ts';
import { adminSettings } from './en/admin-settings.ts';
import { adminContent } from './en/admin-content.ts';
import { adminSignatures } from './en/admin-signatures.ts';
import { pledges } from './en/pledges.ts';
import { privacy } from './en/privacy.ts';
import { site } from './en/site.ts';
import { updates } from './en/updates.ts';
import { letters } from './en/letters.ts';
import { lettersAdmin } from './en/letters-admin.ts';
import { lettersDelivery } from './en/letters-delivery.ts';
import { lettersCollective } from './en/letters-collective.ts';
import { lettersDirectory } from './en/letters-directory.ts';
import { protestsAdmin } from './en/protests-admin.ts';
import { protestsPage } from './en/protests-page.ts';
import { protestsRsvp } from './en/protests-rsvp.ts';
import { protestsNotices } from './en/protests-notices.ts';

export const en = {
  ...site,
  ...admin,
  ...adminDashboard,
  ...adminImages,
  ...adminActions,
  ...adminSettings,
  ...adminContent,
  ...adminSignatures,
  ...pledges,
  ...privacy,
  ...updates,
  ...letters,
  ...lettersAdmin,
  ...lettersDelivery,
  ...lettersCollective,
  ...lettersDirectory,
  ...protestsAdmin,
  ...protestsPage,
  ...protestsRsvp,
  ...protestsNotices,
} as const;

export type MessageKey = keyof typeof en;
