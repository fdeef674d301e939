// Strings of letters (issue 10): digests, scheduled letters and the printed letter.
export const lettersCollective = {
} as const;
