// The one home of Placard's page addresses. Routes take their patterns from
// `routes`; handlers, views (the `url` helper), emails and the feed build
// addresses with `paths` (and `absolute` where a full URL is needed), so a
// page that moves changes here only.

/** Express route patterns, one per page or form. */
export const routes = {
  home: '/',
  post: '/posts/:slug',
  author: '/authors/:slug',
  tag: '/tags/:slug',
  feed: '/feed.xml',
  actions: '/actions',
  action: '/actions/:slug',
  actionSignatures: '/actions/:slug/signatures',
  actionCheckEmail: '/actions/:slug/check-email',
  actionThanks: '/actions/:slug/thanks',
  actionCount: '/actions/:slug/count.json',
  // The letter as it will be sent, filled in with the name typed (the preview's no-script form).
  actionLetter: '/actions/:slug/letter',
  // A recipient's answer, as the organisers attached it.
  responseAttachment: '/responses/:id/attachment',
  confirm: '/confirm/:token',
  cancel: '/cancel/:token',
  image: '/images/:file',
  privacy: '/privacy',
  // Confirmation links of pledges (signatures, later RSVPs): a fresh one for an expired link.
  confirmNewLink: '/confirm/:token/new-link',
  // A supporter's own data, from the link they ask for on /privacy.
  privacyCheckEmail: '/privacy/check-email',
  privacyData: '/privacy/data/:token',
  privacyDownload: '/privacy/data/:token/download',
  privacyWithdraw: '/privacy/data/:token/signatures/:id/withdraw',
  privacyUnsubscribe: '/privacy/data/:token/unsubscribe',
  privacyErase: '/privacy/data/:token/erase',
  // Leaving campaign updates: the page with one button, and RFC 8058's one-click POST.
  unsubscribe: '/unsubscribe/:token',

  // The organiser admin. Every path under /admin needs an organiser's session,
  // except the pages that lead to one (sign-in, one-time links, password reset).
  adminSignIn: '/admin/sign-in',
  adminSignInLink: '/admin/sign-in/:token',
  adminSignOut: '/admin/sign-out',
  adminPasswordReset: '/admin/password-reset',
  adminPasswordResetToken: '/admin/password-reset/:token',
  adminHome: '/admin',
  adminAccount: '/admin/account',
  adminOrganisers: '/admin/organisers',
  adminOrganiser: '/admin/organisers/:id',
  adminAudit: '/admin/audit',
  adminSettings: '/admin/settings',
  adminPosts: '/admin/posts',
  adminNewPost: '/admin/posts/new',
  adminPostPreview: '/admin/posts/preview',
  adminPost: '/admin/posts/:id',
  adminPostPublish: '/admin/posts/:id/publish',
  adminPostUnpublish: '/admin/posts/:id/unpublish',
  adminAuthors: '/admin/authors',
  adminAuthor: '/admin/authors/:id',
  adminTags: '/admin/tags',
  adminTag: '/admin/tags/:id',
  adminImages: '/admin/images',
  adminImage: '/admin/images/:id',
  adminActions: '/admin/actions',
  adminNewAction: '/admin/actions/new',
  adminAction: '/admin/actions/:id',
  adminActionEdit: '/admin/actions/:id/edit',
  adminActionStatus: '/admin/actions/:id/status',
  adminActionSignatures: '/admin/actions/:id/signatures',
  adminActionInvalidations: '/admin/actions/:id/invalidations',
  adminActionExport: '/admin/actions/:id/signatures.csv',
  adminActionSignatoriesCsv: '/admin/actions/:id/signatories.csv',
  adminActionSignatoriesPdf: '/admin/actions/:id/signatories.pdf',
  adminSignatureVisibility: '/admin/signatures/:id/visibility',
  adminSignatureValidity: '/admin/signatures/:id/validity',
  adminInvalidationRevert: '/admin/invalidations/:id/revert',
  adminUpdates: '/admin/updates',
  adminNewUpdate: '/admin/updates/new',
  adminUpdatePreview: '/admin/updates/preview',
  adminUpdate: '/admin/updates/:id',
  adminUpdateTest: '/admin/updates/:id/test',
  adminUpdateSend: '/admin/updates/:id/send',
  adminUpdateCancel: '/admin/updates/:id/cancel',
  adminSuppressions: '/admin/suppressions',
  // Letters (issue 10): an action's letter, the paragraphs waiting to be read,
  // the delivery log, the printed letter, responses; the directory.
  adminActionLetter: '/admin/actions/:id/letter',
  adminActionLetterPreview: '/admin/actions/:id/letter/preview',
  adminActionLetterHeld: '/admin/actions/:id/letter/held',
  adminDeliveryApprove: '/admin/deliveries/:id/approve',
  adminDeliveryWithoutParagraph: '/admin/deliveries/:id/without-paragraph',
  adminActionDeliveries: '/admin/actions/:id/deliveries',
  adminActionDeliveriesCsv: '/admin/actions/:id/deliveries.csv',
  adminActionLetterPdf: '/admin/actions/:id/letter.pdf',
  adminActionResponses: '/admin/actions/:id/responses',
  adminResponse: '/admin/responses/:id',
  adminRecipients: '/admin/recipients',
  adminNewRecipient: '/admin/recipients/new',
  adminRecipientsImport: '/admin/recipients/import',
  adminRecipient: '/admin/recipients/:id',
  adminRecipientAddress: '/admin/recipient-addresses/:id',
  // A response's file for organisers, public or not (part D).
  adminResponseAttachment: '/admin/responses/:id/attachment',
} as const;

export type PageName = keyof typeof routes;

// Slugs are checked against /^[a-z0-9-]+$/ before they reach a page, and
// tokens are base64url, but an address is built from them so it is encoded anyway.
/** A row's id as it appears in an admin address (bigint ids arrive from pg as strings). */
type Id = string | number;

const part = (value: string | number) => encodeURIComponent(String(value));

/** Paths on this site, from the domain's identifiers. */
export const paths = {
  home: () => '/',
  post: (slug: string) => `/posts/${part(slug)}`,
  author: (slug: string) => `/authors/${part(slug)}`,
  tag: (slug: string) => `/tags/${part(slug)}`,
  feed: () => '/feed.xml',
  actions: () => '/actions',
  action: (slug: string) => `/actions/${part(slug)}`,
  actionSignatures: (slug: string) => `/actions/${part(slug)}/signatures`,
  actionCheckEmail: (slug: string) => `/actions/${part(slug)}/check-email`,
  actionThanks: (slug: string) => `/actions/${part(slug)}/thanks`,
  actionCount: (slug: string) => `/actions/${part(slug)}/count.json`,
  actionLetter: (slug: string) => `/actions/${part(slug)}/letter`,
  responseAttachment: (id: Id) => `/responses/${part(id)}/attachment`,
  confirm: (token: string) => `/confirm/${part(token)}`,
  cancel: (token: string) => `/cancel/${part(token)}`,
  image: (file: string) => `/images/${part(file)}`,
  privacy: () => '/privacy',
  confirmNewLink: (token: string) => `/confirm/${part(token)}/new-link`,
  privacyCheckEmail: () => '/privacy/check-email',
  privacyData: (token: string) => `/privacy/data/${part(token)}`,
  privacyDownload: (token: string) => `/privacy/data/${part(token)}/download`,
  privacyWithdraw: (token: string, id: Id) => `/privacy/data/${part(token)}/signatures/${part(id)}/withdraw`,
  privacyUnsubscribe: (token: string) => `/privacy/data/${part(token)}/unsubscribe`,
  privacyErase: (token: string) => `/privacy/data/${part(token)}/erase`,
  unsubscribe: (token: string) => `/unsubscribe/${part(token)}`,

  adminSignIn: () => '/admin/sign-in',
  adminSignInLink: (token: string) => `/admin/sign-in/${part(token)}`,
  adminSignOut: () => '/admin/sign-out',
  adminPasswordReset: () => '/admin/password-reset',
  adminPasswordResetToken: (token: string) => `/admin/password-reset/${part(token)}`,
  adminHome: () => '/admin',
  adminAccount: () => '/admin/account',
  adminOrganisers: () => '/admin/organisers',
  adminOrganiser: (id: Id) => `/admin/organisers/${part(id)}`,
  adminAudit: () => '/admin/audit',
  adminSettings: () => '/admin/settings',
  adminPosts: () => '/admin/posts',
  adminNewPost: () => '/admin/posts/new',
  adminPostPreview: () => '/admin/posts/preview',
  adminPost: (id: Id) => `/admin/posts/${part(id)}`,
  adminPostPublish: (id: Id) => `/admin/posts/${part(id)}/publish`,
  adminPostUnpublish: (id: Id) => `/admin/posts/${part(id)}/unpublish`,
  adminAuthors: () => '/admin/authors',
  adminAuthor: (id: Id) => `/admin/authors/${part(id)}`,
  adminTags: () => '/admin/tags',
  adminTag: (id: Id) => `/admin/tags/${part(id)}`,
  adminImages: () => '/admin/images',
  adminImage: (id: Id) => `/admin/images/${part(id)}`,
  adminActions: () => '/admin/actions',
  adminNewAction: () => '/admin/actions/new',
  adminAction: (id: Id) => `/admin/actions/${part(id)}`,
  adminActionEdit: (id: Id) => `/admin/actions/${part(id)}/edit`,
  adminActionStatus: (id: Id) => `/admin/actions/${part(id)}/status`,
  adminActionSignatures: (id: Id) => `/admin/actions/${part(id)}/signatures`,
  adminActionInvalidations: (id: Id) => `/admin/actions/${part(id)}/invalidations`,
  adminActionExport: (id: Id) => `/admin/actions/${part(id)}/signatures.csv`,
  adminActionSignatoriesCsv: (id: Id) => `/admin/actions/${part(id)}/signatories.csv`,
  adminActionSignatoriesPdf: (id: Id) => `/admin/actions/${part(id)}/signatories.pdf`,
  adminSignatureVisibility: (id: Id) => `/admin/signatures/${part(id)}/visibility`,
  adminSignatureValidity: (id: Id) => `/admin/signatures/${part(id)}/validity`,
  adminInvalidationRevert: (id: Id) => `/admin/invalidations/${part(id)}/revert`,
  adminUpdates: () => '/admin/updates',
  adminNewUpdate: () => '/admin/updates/new',
  adminUpdatePreview: () => '/admin/updates/preview',
  adminUpdate: (id: Id) => `/admin/updates/${part(id)}`,
  adminUpdateTest: (id: Id) => `/admin/updates/${part(id)}/test`,
  adminUpdateSend: (id: Id) => `/admin/updates/${part(id)}/send`,
  adminUpdateCancel: (id: Id) => `/admin/updates/${part(id)}/cancel`,
  adminSuppressions: () => '/admin/suppressions',
  adminActionLetter: (id: Id) => `/admin/actions/${part(id)}/letter`,
  adminActionLetterPreview: (id: Id) => `/admin/actions/${part(id)}/letter/preview`,
  adminActionLetterHeld: (id: Id) => `/admin/actions/${part(id)}/letter/held`,
  adminDeliveryApprove: (id: Id) => `/admin/deliveries/${part(id)}/approve`,
  adminDeliveryWithoutParagraph: (id: Id) => `/admin/deliveries/${part(id)}/without-paragraph`,
  adminActionDeliveries: (id: Id) => `/admin/actions/${part(id)}/deliveries`,
  adminActionDeliveriesCsv: (id: Id) => `/admin/actions/${part(id)}/deliveries.csv`,
  adminActionLetterPdf: (id: Id) => `/admin/actions/${part(id)}/letter.pdf`,
  adminActionResponses: (id: Id) => `/admin/actions/${part(id)}/responses`,
  adminResponse: (id: Id) => `/admin/responses/${part(id)}`,
  adminRecipients: () => '/admin/recipients',
  adminNewRecipient: () => '/admin/recipients/new',
  adminRecipientsImport: () => '/admin/recipients/import',
  adminRecipient: (id: Id) => `/admin/recipients/${part(id)}`,
  adminRecipientAddress: (id: Id) => `/admin/recipient-addresses/${part(id)}`,
  adminResponseAttachment: (id: Id) => `/admin/responses/${part(id)}/attachment`,
} satisfies Record<PageName, (...args: never[]) => string>;

/** A full URL on BASE_URL, for emails and the feed. */
export function absolute(baseUrl: string, path: string): string {
  return `${baseUrl}${path}`;
}

/** For the views' `{{url "action" slug}}` helper: a path by page name, or an error naming the bad name. */
export function pathTo(name: string, args: unknown[]): string {
  if (!Object.hasOwn(paths, name)) throw new Error(`Unknown page for url: ${name}`);
  const build = paths[name as PageName] as (...values: unknown[]) => string;
  if (args.some((arg) => typeof arg !== 'string' && typeof arg !== 'number')) throw new Error(`url ${name}: missing or bad argument`);
  return build(...args);
}
