// Strings of letters (issue 10): digests, scheduled letters and the printed letter.
export const lettersCollective = {
  // The printed letter (src/letters/letter-pdf.ts).
  'letters.pdf.annexTitle': 'Signatories',
  'letters.pdf.annexSubtitle': '{count} people signed this letter by {date}.',
  'letters.pdf.annexSubtitleOne': 'One person signed this letter by {date}.',
  'letters.pdf.col.number': 'No.',
  'letters.pdf.col.name': 'Name',
  'letters.pdf.col.town': 'Town',
  'letters.pdf.col.country': 'Country',
  'letters.pdf.page': 'Page {page}',
  // The organiser's download (src/letters/letter-pdf.admin.routes.ts).
  'admin.letterPdf.title': 'Printed letter: {action}',
  'admin.letterPdf.choose': 'The letter goes to more than one recipient. Choose whose printed letter to download:',
  'admin.letterPdf.signatories': '{count} signatories',
  'admin.letterPdf.none': 'This letter has no recipient yet: add one in the letter’s settings.',
  // Digests and scheduled letters (src/letters/collective-letter.ts).
  'letters.digest.new': '{count} people have signed this letter since our last letter to you.',
  'letters.digest.newOne': 'One person has signed this letter since our last letter to you.',
  'letters.digest.total': 'In all, {total} people have now signed it to you, up from {before} ({change}).',
  'letters.digest.comments': 'What some of them wrote:',
  'letters.digest.signatories': 'The new signatories:',
  'letters.scheduled.total': '{total} people have signed this letter to you.',
  'letters.scheduled.totalOne': 'One person has signed this letter to you.',
  'letters.scheduled.signatories': 'The signatories:',
  'letters.collective.more': '… and {count} more.',
  'letters.collective.moreAttached': '… and {count} more, listed in the attached PDF.',
  'letters.collective.attached': 'The letter with the full list of signatories is attached as a PDF.',
  'letters.collective.tooLarge': 'The full list is too long to attach; we will send it by other means on request.',
  'letters.collective.contact': 'To reply to the campaign: {email}',
} as const;
