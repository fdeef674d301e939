// Strings of protest calls (issue 11): a protest call's settings and its protests in the admin.
export const protestsAdmin = {
} as const;
