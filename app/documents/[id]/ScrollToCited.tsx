'use client';
import { useEffect } from 'react';

/** Brings the first cited span into view once the page has rendered. */
export function ScrollToCited() {
  useEffect(() => {
    document.getElementById('cited')?.scrollIntoView({ block: 'center' });
  }, []);
  return null;
}
