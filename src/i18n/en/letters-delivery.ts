// Strings of letters (issue 10): the delivery of letters and its log.
export const lettersDelivery = {
} as const;
