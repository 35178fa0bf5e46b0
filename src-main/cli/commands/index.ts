import type { CliCommand } from '../command'
import { doctorCommand } from './doctor'
import { runsCommand } from './runs'
import { modelsCommand } from './models'
import { datasetCommand } from './dataset'
import { compareCommand } from './compare'
import { trainCommand } from './train'
import { predictCommand } from './predict'
import { reportCommand } from './report'

/** Every CLI command; each domain adds its own module here. */
export const commands: CliCommand[] = [
  doctorCommand,
  runsCommand,
  modelsCommand,
  datasetCommand,
  compareCommand,
  reportCommand,
  trainCommand,
  predictCommand,
]
