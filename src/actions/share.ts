// Share links for the thank-you page: plain links, no third-party scripts.
export function shareLinks(url: string, text: string): { label: string; href: string }[] {
  const u = encodeURIComponent(url);
  const t = encodeURIComponent(text);
  return [
    { label: 'share.email', href: `mailto:?subject=${t}&body=${encodeURIComponent(`${text}\n\n${url}`)}` },
    { label: 'share.whatsapp', href: `https://wa.me/?text=${encodeURIComponent(`${text} ${url}`)}` },
    { label: 'share.telegram', href: `https://t.me/share/url?url=${u}&text=${t}` },
    { label: 'share.x', href: `https://x.com/intent/post?text=${t}&url=${u}` },
    { label: 'share.facebook', href: `https://www.facebook.com/sharer/sharer.php?u=${u}` },
  ];
}
