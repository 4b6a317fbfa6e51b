console.log('gridctl: not built yet');
