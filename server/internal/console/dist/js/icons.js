// Line icons drawn on a 24×24 grid, stroked in the current text color.

const SVG_NS = 'http://www.w3.org/2000/svg';

const SHAPES = {
  home: [['path', { d: 'M3 11 12 4l9 7' }], ['path', { d: 'M5.5 9.5V20h4.5v-6h4v6h4.5V9.5' }]],
  users: [
    ['circle', { cx: 9, cy: 8, r: 3.5 }],
    ['path', { d: 'M2.5 20c0-3.6 2.9-6 6.5-6s6.5 2.4 6.5 6' }],
    ['path', { d: 'M16 4.6a3.5 3.5 0 0 1 0 6.8' }],
    ['path', { d: 'M18 14.4c2.1.7 3.5 2.6 3.5 5.6' }],
  ],
  key: [['circle', { cx: 8, cy: 15, r: 4 }], ['path', { d: 'm11 12 9-9' }], ['path', { d: 'm16.5 6.5 3 3' }], ['path', { d: 'm14 9 2 2' }]],
  activity: [['path', { d: 'M3 12h4l3-8 4 16 3-8h4' }]],
  building: [
    ['path', { d: 'M4 21V5a1 1 0 0 1 1-1h9a1 1 0 0 1 1 1v16' }],
    ['path', { d: 'M15 9h4a1 1 0 0 1 1 1v11' }],
    ['path', { d: 'M2 21h20' }],
    ['path', { d: 'M8 8h3M8 12h3M8 16h3' }],
  ],
  logout: [['path', { d: 'M9 20H5a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1h4' }], ['path', { d: 'm16 17 5-5-5-5' }], ['path', { d: 'M21 12H9' }]],
  copy: [['rect', { x: 9, y: 9, width: 11, height: 11, rx: 2 }], ['path', { d: 'M5 15H4a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1h10a1 1 0 0 1 1 1v1' }]],
  refresh: [['path', { d: 'M20 12a8 8 0 1 1-2.34-5.66' }], ['path', { d: 'M20 4v5h-5' }]],
  alert: [['circle', { cx: 12, cy: 12, r: 9 }], ['path', { d: 'M12 7.5v5.5' }], ['path', { d: 'M12 16.5v.01' }]],
  check: [['path', { d: 'm5 12.5 4.5 4.5L19 7' }]],
  plus: [['path', { d: 'M12 5v14M5 12h14' }]],
  shield: [['path', { d: 'M12 3 4.5 6v5.5c0 4.6 3.2 8.4 7.5 9.5 4.3-1.1 7.5-4.9 7.5-9.5V6z' }]],
  play: [['path', { d: 'M7 5v14l11-7z' }]],
  book: [['path', { d: 'M4 5.5A2.5 2.5 0 0 1 6.5 3H20v15H6.5A2.5 2.5 0 0 0 4 20.5z' }], ['path', { d: 'M4 20.5A2.5 2.5 0 0 0 6.5 23H20v-5' }]],
};

/** An inline SVG icon by name; decorative, so hidden from screen readers. */
export function icon(name, className = 'icon') {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', className);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  for (const [tag, attrs] of SHAPES[name] || []) {
    const shape = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs)) shape.setAttribute(k, String(v));
    svg.append(shape);
  }
  return svg;
}
