export { waitFor, type WaitOptions } from '../../src/main/core/testing/wait'
