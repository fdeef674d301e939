// English strings of confirmation links, whatever the pledge (src/pledges).
export const pledges = {
  'pledge.confirmed.title': 'Already confirmed',
  'pledge.confirmed.onward': 'See how many have signed',
  'pledge.spent.title': 'This link has expired',
  'pledge.spent.body': 'This link to confirm your signature on “{action}” has expired or has already been used. We can send a new one to the email address you signed with.',
  'pledge.spent.button': 'Send me a new link',
  'pledge.newLink.title': 'Check your email',
  'pledge.newLink.body': 'If your signature on “{action}” is still waiting to be confirmed, a new link is on its way to the email address you signed with. It may take a few minutes; check your spam folder too.',
} as const;
