import type { CliCommand } from '../command'
import { doctorCommand } from './doctor'
import { runsCommand } from './runs'
import { modelsCommand } from './models'
import { datasetCommand } from './dataset'
import { compareCommand } from './compare'
import { trainCommand } from './train'
import { predictCommand } from './predict'

/** Every CLI command; each domain adds its own module here. */
export const commands: CliCommand[] = [
  doctorCommand,
  runsCommand,
  modelsCommand,
  datasetCommand,
  compareCommand,
  trainCommand,
  predictCommand,
]
