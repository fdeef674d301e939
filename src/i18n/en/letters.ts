// Strings shared by the parts of letters (issue 10): the admin's links to them.
export const letters = {
  'admin.nav.recipients': 'Recipients',
  'admin.letters.heading': 'Letter',
  'admin.letters.link.letter': 'Letter and recipients',
  'admin.letters.link.held': 'Paragraphs to read',
  'admin.letters.link.deliveries': 'Delivery log',
  'admin.letters.link.pdf': 'Printed letter (PDF)',
  'admin.letters.link.responses': 'Responses',
} as const;
