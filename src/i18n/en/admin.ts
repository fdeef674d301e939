// English strings of the organiser admin: its frame, accounts and sign-in.
export const admin = {
  'admin.title': 'Admin',
} as const;
