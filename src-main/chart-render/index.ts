export { panelToPng, panelToSvgString, renderCompare } from './node-render'
