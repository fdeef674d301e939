// Strings shared by the parts of letters (issue 10): the admin's links to them.
export const letters = {
  'admin.nav.recipients': 'Recipients',
  'admin.letters.heading': 'Letter',
  'admin.letters.link.letter': 'Letter and recipients',
  'admin.letters.link.held': 'Paragraphs to read',
  'admin.letters.link.deliveries': 'Delivery log',
  'admin.letters.link.pdf': 'Printed letter (PDF)',
  'admin.letters.link.responses': 'Responses',
  // Protest calls' links on the action's overview (issue 11).
  'admin.protestCall.heading': 'Day of action',
  'admin.protestCall.link.call': 'The call: day, time zone, what it commemorates',
  'admin.protestCall.link.protests': 'Protests and their RSVPs',
  'admin.protestCall.link.letter': 'The letter to each embassy (signed with an RSVP)',
} as const;
