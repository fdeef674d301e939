// Strings of letters (issue 10): the letter's settings, the preview, the paragraphs organisers read.
export const lettersAdmin = {
} as const;
