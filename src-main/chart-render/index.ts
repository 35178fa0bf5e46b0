export { PNG_SCALE, measureText, panelToPng, panelToSvgString, renderCompare, type CompareRender } from './node-render'
