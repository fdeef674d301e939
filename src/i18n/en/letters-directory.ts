// Strings of letters (issue 10): the directory of recipients and their responses.
export const lettersDirectory = {
} as const;
